// SPDX-License-Identifier: GPL-2.0
#include <vpin/device.hpp>
#include <vpin/error.hpp>

#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace vpin {

Device::Device(const std::filesystem::path &path)
    : fd_{::open(path.c_str(), O_RDWR | O_CLOEXEC)}
{
    if (!fd_) {
        const int error = errno;
        Error::Context context{Request::open, path.string()};
        // No node: the module that makes it is not there.
        if ((error == ENOENT || error == ENODEV || error == ENXIO) && !module_loaded())
            throw ModuleNotLoaded{error, std::move(context)};
        throw Error{error, std::move(context)};
    }
}

template <unsigned long Command, typename Arg>
void Device::ioctl(Arg &arg, Request request, const std::string &subject, std::uint32_t lease_type) const
{
    static_assert(_IOC_SIZE(Command) == sizeof(Arg), "argument type does not match the request");
    if (::ioctl(fd_.get(), Command, &arg) < 0) {
        const int error = errno;
        throw Error{error, {request, subject, lease_type}};
    }
}

VersionInfo Device::version() const
{
    vpin_version arg{};
    ioctl<VPIN_IOC_VERSION>(arg, Request::version);
    return {arg.abi_version, arg.features};
}

std::uint64_t Device::lease(int fd, vpin_lease_type type, const std::string &subject) const
{
    vpin_lease arg{};
    arg.fd = fd;
    arg.type = type;
    ioctl<VPIN_IOC_LEASE>(arg, Request::lease, subject, type);
    return arg.id;
}

void Device::unlease(std::uint64_t id) const
{
    vpin_unlease arg{};
    arg.id = id;
    ioctl<VPIN_IOC_UNLEASE>(arg, Request::unlease);
}

std::uint64_t Device::pin(const void *addr, std::uint64_t length, std::uint32_t flags,
                          const std::string &subject) const
{
    vpin_pin arg{};
    arg.addr = reinterpret_cast<std::uintptr_t>(addr);
    arg.length = length;
    arg.flags = flags;
    ioctl<VPIN_IOC_PIN>(arg, Request::pin, subject);
    return arg.id;
}

void Device::unpin(std::uint64_t id) const
{
    vpin_unpin arg{};
    arg.id = id;
    ioctl<VPIN_IOC_UNPIN>(arg, Request::unpin);
}

Fd Device::map(std::uint64_t pin, std::uint64_t offset, std::uint64_t length,
                const std::string &subject) const
{
    vpin_map arg{};
    arg.pin_id = pin;
    arg.offset = offset;
    arg.length = length;
    ioctl<VPIN_IOC_MAP>(arg, Request::map, subject);
    return Fd{arg.fd};
}

std::vector<vpin_event> Device::events() const
{
    std::vector<vpin_event> events(16);
    std::vector<vpin_event> all;
    for (;;) {
        pollfd p{fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0)
            break;
        const ssize_t n = ::read(fd_.get(), events.data(), events.size() * sizeof(vpin_event));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw Error{errno, {Request::read_events}};
        all.insert(all.end(), events.begin(),
                   events.begin() + n / static_cast<ssize_t>(sizeof(vpin_event)));
    }
    return all;
}

} // namespace vpin
