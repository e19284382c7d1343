/* Readiness waiting for completion and CM event channels: epoll plus an eventfd for wake-ups. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "rdma_shim.h"

int32_t RdmaShim_SetNonBlocking(int32_t fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return -errno;
    }
    return 0;
}

int32_t RdmaShim_EpollCreate(void)
{
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int32_t RdmaShim_EpollAdd(int32_t epoll_fd, int32_t fd, uint64_t token)
{
    struct epoll_event event = { .events = EPOLLIN, .data.u64 = token };
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == 0 ? 0 : -errno;
}

int32_t RdmaShim_EpollRemove(int32_t epoll_fd, int32_t fd)
{
    struct epoll_event event = { 0 };
    return epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, &event) == 0 ? 0 : -errno;
}

int32_t RdmaShim_EpollWait(int32_t epoll_fd, uint64_t *tokens, int32_t capacity, int32_t timeout_ms)
{
    struct epoll_event events[64];
    int max = capacity < 64 ? capacity : 64;
    int n = epoll_wait(epoll_fd, events, max, timeout_ms);
    if (n < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    for (int i = 0; i < n; i++) {
        tokens[i] = events[i].data.u64;
    }
    return n;
}

int32_t RdmaShim_EventFdCreate(void)
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

int32_t RdmaShim_EventFdSignal(int32_t fd)
{
    return eventfd_write(fd, 1) == 0 ? 0 : -errno;
}

int32_t RdmaShim_EventFdDrain(int32_t fd)
{
    eventfd_t value;
    return eventfd_read(fd, &value) == 0 || errno == EAGAIN ? 0 : -errno;
}

int32_t RdmaShim_CloseFd(int32_t fd)
{
    return close(fd) == 0 ? 0 : -errno;
}
