/* RDMA CM accessors and calls taking addresses as bytes, so .NET never sees librdmacm layouts. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <rdma/rdma_cma.h>
#include "rdma_shim.h"
#include "rdma_shim_qp_attributes.h"

int32_t RdmaShim_EventChannelFd(struct rdma_event_channel *channel)
{
    return channel->fd;
}

int32_t RdmaShim_GetCmEvent(struct rdma_event_channel *channel, struct rdma_cm_event **event)
{
    return rdma_get_cm_event(channel, event) == 0 ? 0 : -errno;
}

int32_t RdmaShim_CmEventType(const struct rdma_cm_event *event)
{
    return (int32_t)event->event;
}

int32_t RdmaShim_CmEventStatus(const struct rdma_cm_event *event)
{
    return event->status;
}

struct rdma_cm_id *RdmaShim_CmEventId(const struct rdma_cm_event *event)
{
    return event->id;
}

struct rdma_cm_id *RdmaShim_CmEventListenId(const struct rdma_cm_event *event)
{
    return event->listen_id;
}

int32_t RdmaShim_CmEventPrivateData(const struct rdma_cm_event *event, uint8_t *destination, int32_t capacity)
{
    const void *data = event->param.conn.private_data;
    int32_t length = event->param.conn.private_data_len;
    if (data == NULL) {
        return 0;
    }
    int32_t copied = length < capacity ? length : capacity;
    if (copied > 0) {
        memcpy(destination, data, (size_t)copied);
    }
    return length;
}

struct ibv_context *RdmaShim_CmIdVerbs(const struct rdma_cm_id *id)
{
    return id->verbs;
}

struct ibv_qp *RdmaShim_CmIdQp(const struct rdma_cm_id *id)
{
    return id->qp;
}

uint64_t RdmaShim_CmIdContext(const struct rdma_cm_id *id)
{
    return (uint64_t)(uintptr_t)id->context;
}

void RdmaShim_CmIdSetContext(struct rdma_cm_id *id, uint64_t context)
{
    id->context = (void *)(uintptr_t)context;
}

static int32_t read_address(const struct sockaddr *sa, uint8_t *address, int32_t *family, uint16_t *port)
{
    memset(address, 0, 16);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        memcpy(address, &in->sin_addr, 4);
        *family = 4;
        *port = ntohs(in->sin_port);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        memcpy(address, &in6->sin6_addr, 16);
        *family = 6;
        *port = ntohs(in6->sin6_port);
        return 0;
    }
    *family = 0;
    *port = 0;
    return -EAFNOSUPPORT;
}

int32_t RdmaShim_CmIdLocalAddress(const struct rdma_cm_id *id, uint8_t *address, int32_t *family, uint16_t *port)
{
    return read_address((const struct sockaddr *)&id->route.addr.src_addr, address, family, port);
}

int32_t RdmaShim_CmIdPeerAddress(const struct rdma_cm_id *id, uint8_t *address, int32_t *family, uint16_t *port)
{
    return read_address((const struct sockaddr *)&id->route.addr.dst_addr, address, family, port);
}

static int32_t make_address(struct sockaddr_storage *storage, const uint8_t *address, int32_t family, uint16_t port)
{
    memset(storage, 0, sizeof(*storage));
    if (family == 4) {
        struct sockaddr_in *in = (struct sockaddr_in *)storage;
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        memcpy(&in->sin_addr, address, 4);
        return 0;
    }
    if (family == 6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)storage;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        memcpy(&in6->sin6_addr, address, 16);
        return 0;
    }
    return -EAFNOSUPPORT;
}

int32_t RdmaShim_CmBind(struct rdma_cm_id *id, const uint8_t *address, int32_t family, uint16_t port)
{
    struct sockaddr_storage storage;
    int32_t rc = make_address(&storage, address, family, port);
    if (rc != 0) {
        return rc;
    }
    return rdma_bind_addr(id, (struct sockaddr *)&storage) == 0 ? 0 : -errno;
}

int32_t RdmaShim_CmResolveAddress(struct rdma_cm_id *id, const uint8_t *address, int32_t family, uint16_t port, int32_t timeout_ms)
{
    struct sockaddr_storage storage;
    int32_t rc = make_address(&storage, address, family, port);
    if (rc != 0) {
        return rc;
    }
    return rdma_resolve_addr(id, NULL, (struct sockaddr *)&storage, timeout_ms) == 0 ? 0 : -errno;
}

int32_t RdmaShim_CmCreateQp(struct rdma_cm_id *id, struct ibv_pd *pd, struct ibv_cq *send_cq, struct ibv_cq *recv_cq, const RdmaShimQpCreateAttributes *attributes)
{
    struct ibv_qp_init_attr init;
    RdmaShim_FillRcQpInitAttributes(&init, send_cq, recv_cq, attributes);
    return rdma_create_qp(id, pd, &init) == 0 ? 0 : -errno;
}

int32_t RdmaShim_CmConnect(struct rdma_cm_id *id, const uint8_t *private_data, uint8_t private_data_length, uint8_t responder_resources, uint8_t initiator_depth, uint8_t retry_count, uint8_t rnr_retry_count)
{
    struct rdma_conn_param param;
    memset(&param, 0, sizeof(param));
    param.private_data = private_data;
    param.private_data_len = private_data_length;
    param.responder_resources = responder_resources;
    param.initiator_depth = initiator_depth;
    param.retry_count = retry_count;
    param.rnr_retry_count = rnr_retry_count;
    return rdma_connect(id, &param) == 0 ? 0 : -errno;
}

int32_t RdmaShim_CmAccept(struct rdma_cm_id *id, const uint8_t *private_data, uint8_t private_data_length, uint8_t responder_resources, uint8_t initiator_depth, uint8_t rnr_retry_count)
{
    struct rdma_conn_param param;
    memset(&param, 0, sizeof(param));
    param.private_data = private_data;
    param.private_data_len = private_data_length;
    param.responder_resources = responder_resources;
    param.initiator_depth = initiator_depth;
    param.rnr_retry_count = rnr_retry_count;
    return rdma_accept(id, &param) == 0 ? 0 : -errno;
}

int32_t RdmaShim_CmSetAckTimeout(struct rdma_cm_id *id, uint8_t timeout)
{
    /* The kernel applies it when librdmacm moves the id's QP to RTS (at connect or accept). */
    return rdma_set_option(id, RDMA_OPTION_ID, RDMA_OPTION_ID_ACK_TIMEOUT, &timeout, sizeof(timeout)) == 0 ? 0 : -errno;
}
