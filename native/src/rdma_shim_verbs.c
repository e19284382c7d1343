/* Verbs wrappers: data path (static inline in verbs.h) and control path with fixed-layout structs. */
#include <errno.h>
#include <string.h>
#include <infiniband/verbs.h>
#include "rdma_shim.h"
#include "rdma_shim_qp_attributes.h"

/* ibv_post_* and ibv_req_notify_cq return a positive errno; normalise to negative like the rest. */
static int32_t negative_errno(int rc)
{
    return rc > 0 ? -rc : (rc < 0 ? -errno : 0);
}

int32_t RdmaShim_PostSend(struct ibv_qp *qp, struct ibv_send_wr *wr, struct ibv_send_wr **bad_wr)
{
    return negative_errno(ibv_post_send(qp, wr, bad_wr));
}

int32_t RdmaShim_PostRecv(struct ibv_qp *qp, struct ibv_recv_wr *wr, struct ibv_recv_wr **bad_wr)
{
    return negative_errno(ibv_post_recv(qp, wr, bad_wr));
}

int32_t RdmaShim_PollCq(struct ibv_cq *cq, int32_t num_entries, struct ibv_wc *wc)
{
    int rc = ibv_poll_cq(cq, num_entries, wc);
    return rc < 0 ? -EIO : rc;
}

int32_t RdmaShim_ReqNotifyCq(struct ibv_cq *cq, int32_t solicited_only)
{
    return negative_errno(ibv_req_notify_cq(cq, solicited_only));
}

int32_t RdmaShim_QueryDevice(struct ibv_context *context, RdmaShimDeviceAttributes *attributes)
{
    struct ibv_device_attr attr;
    memset(&attr, 0, sizeof(attr));
    int rc = ibv_query_device(context, &attr);
    if (rc != 0) {
        return negative_errno(rc);
    }
    memset(attributes, 0, sizeof(*attributes));
    attributes->MaxQp = attr.max_qp;
    attributes->MaxQpWr = attr.max_qp_wr;
    attributes->MaxSge = attr.max_sge;
    attributes->MaxCq = attr.max_cq;
    attributes->MaxCqe = attr.max_cqe;
    attributes->MaxMr = attr.max_mr;
    attributes->MaxMrSize = attr.max_mr_size;
    attributes->MaxQpRdAtom = attr.max_qp_rd_atom;
    return 0;
}

int32_t RdmaShim_QueryPort(struct ibv_context *context, uint8_t port, RdmaShimPortAttributes *attributes)
{
    struct ibv_port_attr attr;
    memset(&attr, 0, sizeof(attr));
    int rc = ibv_query_port(context, port, &attr);
    if (rc != 0) {
        return negative_errno(rc);
    }
    memset(attributes, 0, sizeof(*attributes));
    attributes->State = (int32_t)attr.state;
    attributes->MaxMtu = (int32_t)attr.max_mtu;
    attributes->ActiveMtu = (int32_t)attr.active_mtu;
    attributes->GidTableLength = attr.gid_tbl_len;
    attributes->LinkLayer = attr.link_layer;
    return 0;
}

int32_t RdmaShim_DeviceTransport(struct ibv_device *device)
{
    return (int32_t)device->transport_type;
}

struct ibv_device *RdmaShim_ContextDevice(struct ibv_context *context)
{
    return context->device;
}

struct ibv_cq *RdmaShim_CreateCq(struct ibv_context *context, int32_t entries, struct ibv_comp_channel *channel, int32_t *error)
{
    struct ibv_cq *cq = ibv_create_cq(context, entries, NULL, channel, 0);
    *error = cq == NULL ? -errno : 0;
    return cq;
}

int32_t RdmaShim_CompChannelFd(struct ibv_comp_channel *channel)
{
    return channel->fd;
}

int32_t RdmaShim_CqCapacity(struct ibv_cq *cq)
{
    return cq->cqe;
}

int32_t RdmaShim_GetCqEvent(struct ibv_comp_channel *channel, struct ibv_cq **cq)
{
    void *context = NULL;
    return ibv_get_cq_event(channel, cq, &context) == 0 ? 0 : -errno;
}

struct ibv_qp *RdmaShim_CreateRcQp(struct ibv_pd *pd, struct ibv_cq *send_cq, struct ibv_cq *recv_cq, const RdmaShimQpCreateAttributes *attributes, int32_t *error)
{
    struct ibv_qp_init_attr init;
    RdmaShim_FillRcQpInitAttributes(&init, send_cq, recv_cq, attributes);
    struct ibv_qp *qp = ibv_create_qp(pd, &init);
    *error = qp == NULL ? -errno : 0;
    return qp;
}

uint32_t RdmaShim_QpNumber(struct ibv_qp *qp)
{
    return qp->qp_num;
}

int32_t RdmaShim_ModifyQpToInit(struct ibv_qp *qp, uint8_t port, int32_t access_flags)
{
    struct ibv_qp_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.qp_state = IBV_QPS_INIT;
    attr.pkey_index = 0;
    attr.port_num = port;
    attr.qp_access_flags = (unsigned int)access_flags;
    return negative_errno(ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS));
}

int32_t RdmaShim_ModifyQpToRtr(struct ibv_qp *qp, const RdmaShimRtrAttributes *attributes)
{
    struct ibv_qp_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.qp_state = IBV_QPS_RTR;
    attr.path_mtu = (enum ibv_mtu)attributes->PathMtu;
    attr.dest_qp_num = attributes->RemoteQpn;
    attr.rq_psn = attributes->ReceivePsn;
    attr.max_dest_rd_atomic = attributes->MaxDestRdAtomic;
    attr.min_rnr_timer = attributes->MinRnrTimer;
    attr.ah_attr.dlid = attributes->RemoteLid;
    attr.ah_attr.port_num = attributes->PortNumber;
    if (attributes->UseGlobalRoute) {
        attr.ah_attr.is_global = 1;
        memcpy(attr.ah_attr.grh.dgid.raw, attributes->RemoteGid, sizeof(attributes->RemoteGid));
        attr.ah_attr.grh.sgid_index = attributes->SourceGidIndex;
        attr.ah_attr.grh.hop_limit = attributes->HopLimit;
    }
    return negative_errno(ibv_modify_qp(qp, &attr,
        IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
        IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER));
}

int32_t RdmaShim_ModifyQpToRts(struct ibv_qp *qp, const RdmaShimRtsAttributes *attributes)
{
    struct ibv_qp_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.qp_state = IBV_QPS_RTS;
    attr.sq_psn = attributes->SendPsn;
    attr.timeout = attributes->Timeout;
    attr.retry_cnt = attributes->RetryCount;
    attr.rnr_retry = attributes->RnrRetry;
    attr.max_rd_atomic = attributes->MaxRdAtomic;
    return negative_errno(ibv_modify_qp(qp, &attr,
        IBV_QP_STATE | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_MAX_QP_RD_ATOMIC));
}

int32_t RdmaShim_ModifyQpState(struct ibv_qp *qp, int32_t state)
{
    struct ibv_qp_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.qp_state = (enum ibv_qp_state)state;
    return negative_errno(ibv_modify_qp(qp, &attr, IBV_QP_STATE));
}

int32_t RdmaShim_QueryQpState(struct ibv_qp *qp)
{
    struct ibv_qp_attr attr;
    struct ibv_qp_init_attr init;
    memset(&attr, 0, sizeof(attr));
    memset(&init, 0, sizeof(init));
    int rc = ibv_query_qp(qp, &attr, IBV_QP_STATE, &init);
    return rc != 0 ? negative_errno(rc) : (int32_t)attr.qp_state;
}

uint32_t RdmaShim_MrLkey(struct ibv_mr *mr)
{
    return mr->lkey;
}

uint32_t RdmaShim_MrRkey(struct ibv_mr *mr)
{
    return mr->rkey;
}
