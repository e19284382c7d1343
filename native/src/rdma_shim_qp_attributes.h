/* Internal to the shim: the one translation of RdmaShimQpCreateAttributes into ibv_qp_init_attr, used by
 * both QP creation paths (ibv_create_qp and RDMA CM's rdma_create_qp) so they cannot drift apart. */
#ifndef RDMA_SHIM_QP_ATTRIBUTES_H
#define RDMA_SHIM_QP_ATTRIBUTES_H

#include <string.h>
#include <infiniband/verbs.h>
#include "rdma_shim.h"

static inline void RdmaShim_FillRcQpInitAttributes(struct ibv_qp_init_attr *init, struct ibv_cq *send_cq, struct ibv_cq *recv_cq, const RdmaShimQpCreateAttributes *attributes)
{
    memset(init, 0, sizeof(*init));
    init->send_cq = send_cq;
    init->recv_cq = recv_cq;
    init->qp_type = IBV_QPT_RC;
    init->sq_sig_all = attributes->SignalAllSends;
    init->cap.max_send_wr = attributes->MaxSendWr;
    init->cap.max_recv_wr = attributes->MaxRecvWr;
    init->cap.max_send_sge = attributes->MaxSendSge;
    init->cap.max_recv_sge = attributes->MaxRecvSge;
    init->cap.max_inline_data = attributes->MaxInlineData;
}

#endif
