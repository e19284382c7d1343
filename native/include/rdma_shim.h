/*
 * librdmaoffload_shim: the C surface RdmaOffload.Verbs.IbVerbs binds to.
 *
 * libibverbs implements its data-path calls (post send/recv, poll CQ, arm CQ) as static inline
 * functions, and librdmacm exposes results as struct fields whose layout is an ABI detail. This
 * library exports prefixed wrappers with fixed-width types and explicitly padded structs so the
 * managed side depends only on this header. Every function returns 0 or a count on success and a
 * negative errno on failure unless documented otherwise.
 */
#ifndef RDMA_SHIM_H
#define RDMA_SHIM_H

#include <stdint.h>

#define RDMA_SHIM_EXPORT __attribute__((visibility("default")))

struct ibv_context;
struct ibv_device;
struct ibv_cq;
struct ibv_comp_channel;
struct ibv_qp;
struct ibv_pd;
struct ibv_mr;
struct ibv_send_wr;
struct ibv_recv_wr;
struct ibv_wc;
struct rdma_cm_id;
struct rdma_cm_event;
struct rdma_event_channel;

/* Device limits (subset of struct ibv_device_attr). */
typedef struct RdmaShimDeviceAttributes {
    int32_t MaxQp;
    int32_t MaxQpWr;
    int32_t MaxSge;
    int32_t MaxCq;
    int32_t MaxCqe;
    int32_t MaxMr;
    uint64_t MaxMrSize;
    int32_t MaxQpRdAtom;
    int32_t Padding;
} RdmaShimDeviceAttributes;

/* Port attributes (subset of struct ibv_port_attr). */
typedef struct RdmaShimPortAttributes {
    int32_t State;
    int32_t MaxMtu;
    int32_t ActiveMtu;
    int32_t GidTableLength;
    int32_t LinkLayer; /* IBV_LINK_LAYER_* */
    int32_t Padding;
} RdmaShimPortAttributes;

/* Queue pair capacities for creation (struct ibv_qp_cap plus RC/signalling choices). */
typedef struct RdmaShimQpCreateAttributes {
    uint32_t MaxSendWr;
    uint32_t MaxRecvWr;
    uint32_t MaxSendSge;
    uint32_t MaxRecvSge;
    uint32_t MaxInlineData;
    int32_t SignalAllSends;
} RdmaShimQpCreateAttributes;

/* INIT -> RTR attributes of an RC queue pair. */
typedef struct RdmaShimRtrAttributes {
    uint8_t RemoteGid[16];
    uint32_t RemoteQpn;
    uint32_t ReceivePsn;
    uint16_t RemoteLid;
    uint8_t PortNumber;
    uint8_t SourceGidIndex;
    int32_t PathMtu;
    uint8_t MaxDestRdAtomic;
    uint8_t MinRnrTimer;
    uint8_t HopLimit;
    uint8_t UseGlobalRoute;
} RdmaShimRtrAttributes;

/* RTR -> RTS attributes of an RC queue pair. */
typedef struct RdmaShimRtsAttributes {
    uint32_t SendPsn;
    uint8_t Timeout;
    uint8_t RetryCount;
    uint8_t RnrRetry;
    uint8_t MaxRdAtomic;
} RdmaShimRtsAttributes;

/* --- verbs data path (wrappers of static inline functions) --- */
RDMA_SHIM_EXPORT int32_t RdmaShim_PostSend(struct ibv_qp *qp, struct ibv_send_wr *wr, struct ibv_send_wr **bad_wr);
RDMA_SHIM_EXPORT int32_t RdmaShim_PostRecv(struct ibv_qp *qp, struct ibv_recv_wr *wr, struct ibv_recv_wr **bad_wr);
RDMA_SHIM_EXPORT int32_t RdmaShim_PollCq(struct ibv_cq *cq, int32_t num_entries, struct ibv_wc *wc);
RDMA_SHIM_EXPORT int32_t RdmaShim_ReqNotifyCq(struct ibv_cq *cq, int32_t solicited_only);

/* --- verbs control path with fixed-layout structs --- */
RDMA_SHIM_EXPORT int32_t RdmaShim_QueryDevice(struct ibv_context *context, RdmaShimDeviceAttributes *attributes);
RDMA_SHIM_EXPORT int32_t RdmaShim_QueryPort(struct ibv_context *context, uint8_t port, RdmaShimPortAttributes *attributes);
RDMA_SHIM_EXPORT int32_t RdmaShim_DeviceTransport(struct ibv_device *device);
RDMA_SHIM_EXPORT struct ibv_device *RdmaShim_ContextDevice(struct ibv_context *context);
RDMA_SHIM_EXPORT struct ibv_cq *RdmaShim_CreateCq(struct ibv_context *context, int32_t entries, struct ibv_comp_channel *channel, int32_t *error);
RDMA_SHIM_EXPORT int32_t RdmaShim_CompChannelFd(struct ibv_comp_channel *channel);
RDMA_SHIM_EXPORT int32_t RdmaShim_CqCapacity(struct ibv_cq *cq);
RDMA_SHIM_EXPORT int32_t RdmaShim_GetCqEvent(struct ibv_comp_channel *channel, struct ibv_cq **cq);
RDMA_SHIM_EXPORT struct ibv_qp *RdmaShim_CreateRcQp(struct ibv_pd *pd, struct ibv_cq *send_cq, struct ibv_cq *recv_cq, const RdmaShimQpCreateAttributes *attributes, int32_t *error);
RDMA_SHIM_EXPORT uint32_t RdmaShim_QpNumber(struct ibv_qp *qp);
RDMA_SHIM_EXPORT int32_t RdmaShim_ModifyQpToInit(struct ibv_qp *qp, uint8_t port, int32_t access_flags);
RDMA_SHIM_EXPORT int32_t RdmaShim_ModifyQpToRtr(struct ibv_qp *qp, const RdmaShimRtrAttributes *attributes);
RDMA_SHIM_EXPORT int32_t RdmaShim_ModifyQpToRts(struct ibv_qp *qp, const RdmaShimRtsAttributes *attributes);
RDMA_SHIM_EXPORT int32_t RdmaShim_ModifyQpState(struct ibv_qp *qp, int32_t state);
RDMA_SHIM_EXPORT int32_t RdmaShim_QueryQpState(struct ibv_qp *qp);
RDMA_SHIM_EXPORT uint32_t RdmaShim_MrLkey(struct ibv_mr *mr);
RDMA_SHIM_EXPORT uint32_t RdmaShim_MrRkey(struct ibv_mr *mr);

/* --- RDMA CM: results read through accessors, addresses passed as bytes --- */
RDMA_SHIM_EXPORT int32_t RdmaShim_EventChannelFd(struct rdma_event_channel *channel);
RDMA_SHIM_EXPORT int32_t RdmaShim_GetCmEvent(struct rdma_event_channel *channel, struct rdma_cm_event **event);
RDMA_SHIM_EXPORT int32_t RdmaShim_CmEventType(const struct rdma_cm_event *event);
RDMA_SHIM_EXPORT int32_t RdmaShim_CmEventStatus(const struct rdma_cm_event *event);
RDMA_SHIM_EXPORT struct rdma_cm_id *RdmaShim_CmEventId(const struct rdma_cm_event *event);
RDMA_SHIM_EXPORT struct rdma_cm_id *RdmaShim_CmEventListenId(const struct rdma_cm_event *event);
/* Copies up to capacity private-data bytes; returns the length the event carries. */
RDMA_SHIM_EXPORT int32_t RdmaShim_CmEventPrivateData(const struct rdma_cm_event *event, uint8_t *destination, int32_t capacity);
RDMA_SHIM_EXPORT struct ibv_context *RdmaShim_CmIdVerbs(const struct rdma_cm_id *id);
RDMA_SHIM_EXPORT struct ibv_qp *RdmaShim_CmIdQp(const struct rdma_cm_id *id);
RDMA_SHIM_EXPORT uint64_t RdmaShim_CmIdContext(const struct rdma_cm_id *id);
RDMA_SHIM_EXPORT void RdmaShim_CmIdSetContext(struct rdma_cm_id *id, uint64_t context);
/* address: 16 bytes (IPv4 in the first 4); *family is 4 or 6; port in host order. */
RDMA_SHIM_EXPORT int32_t RdmaShim_CmIdLocalAddress(const struct rdma_cm_id *id, uint8_t *address, int32_t *family, uint16_t *port);
RDMA_SHIM_EXPORT int32_t RdmaShim_CmIdPeerAddress(const struct rdma_cm_id *id, uint8_t *address, int32_t *family, uint16_t *port);
RDMA_SHIM_EXPORT int32_t RdmaShim_CmBind(struct rdma_cm_id *id, const uint8_t *address, int32_t family, uint16_t port);
RDMA_SHIM_EXPORT int32_t RdmaShim_CmResolveAddress(struct rdma_cm_id *id, const uint8_t *address, int32_t family, uint16_t port, int32_t timeout_ms);
RDMA_SHIM_EXPORT int32_t RdmaShim_CmCreateQp(struct rdma_cm_id *id, struct ibv_pd *pd, struct ibv_cq *send_cq, struct ibv_cq *recv_cq, const RdmaShimQpCreateAttributes *attributes);
RDMA_SHIM_EXPORT int32_t RdmaShim_CmConnect(struct rdma_cm_id *id, const uint8_t *private_data, uint8_t private_data_length, uint8_t responder_resources, uint8_t initiator_depth, uint8_t retry_count, uint8_t rnr_retry_count);
RDMA_SHIM_EXPORT int32_t RdmaShim_CmAccept(struct rdma_cm_id *id, const uint8_t *private_data, uint8_t private_data_length, uint8_t responder_resources, uint8_t initiator_depth, uint8_t rnr_retry_count);
/* rdma_set_option(RDMA_OPTION_ID_ACK_TIMEOUT): the QP's local ACK timeout (IB encoding), before connect/accept. */
RDMA_SHIM_EXPORT int32_t RdmaShim_CmSetAckTimeout(struct rdma_cm_id *id, uint8_t timeout);

/* --- readiness waiting: epoll without its packed struct, eventfd for wake-ups --- */
RDMA_SHIM_EXPORT int32_t RdmaShim_SetNonBlocking(int32_t fd);
RDMA_SHIM_EXPORT int32_t RdmaShim_EpollCreate(void);
RDMA_SHIM_EXPORT int32_t RdmaShim_EpollAdd(int32_t epoll_fd, int32_t fd, uint64_t token);
RDMA_SHIM_EXPORT int32_t RdmaShim_EpollRemove(int32_t epoll_fd, int32_t fd);
/* Waits up to timeout_ms (-1: forever); writes the ready tokens; returns their count (0 on EINTR). */
RDMA_SHIM_EXPORT int32_t RdmaShim_EpollWait(int32_t epoll_fd, uint64_t *tokens, int32_t capacity, int32_t timeout_ms);
RDMA_SHIM_EXPORT int32_t RdmaShim_EventFdCreate(void);
RDMA_SHIM_EXPORT int32_t RdmaShim_EventFdSignal(int32_t fd);
RDMA_SHIM_EXPORT int32_t RdmaShim_EventFdDrain(int32_t fd);
RDMA_SHIM_EXPORT int32_t RdmaShim_CloseFd(int32_t fd);

#endif
