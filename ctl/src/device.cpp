// SPDX-License-Identifier: GPL-2.0
#include <vpin/device.hpp>
#include <vpin/error.hpp>

#include <vpin.h>

#include <array>
#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace vpin {

namespace {

// Throws the negative errno of a libvpin call as an Error of the request.
void check(int ret, Request request, const std::string &subject = {}, std::uint32_t lease_type = 0)
{
    if (ret < 0)
        throw Error{-ret, {request, subject, lease_type}};
}

} // namespace

// The node is opened as is, without asking the module anything: a request
// on something that is not a vpin device fails with that request's errno.
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

VersionInfo Device::version() const
{
    VersionInfo info{};
    check(vpin_get_version(fd_.get(), &info.abi_version, &info.features), Request::version);
    return info;
}

std::uint64_t Device::lease(int fd, vpin_lease_type type, const std::string &subject) const
{
    std::uint64_t id = 0;
    check(vpin_lease_file(fd_.get(), fd, type, 0, &id), Request::lease, subject, type);
    return id;
}

void Device::unlease(std::uint64_t id) const
{
    check(vpin_release_lease(fd_.get(), id), Request::unlease);
}

std::uint64_t Device::pin(const void *addr, std::uint64_t length, std::uint32_t flags,
                          const std::string &subject) const
{
    std::uint64_t id = 0;
    check(vpin_pin_range(fd_.get(), addr, length, flags, &id), Request::pin, subject);
    return id;
}

void Device::unpin(std::uint64_t id) const
{
    check(vpin_release_pin(fd_.get(), id), Request::unpin);
}

Fd Device::map(std::uint64_t pin, std::uint64_t offset, std::uint64_t length,
                const std::string &subject) const
{
    int fd = -1;
    check(vpin_map_pin(fd_.get(), pin, offset, length, 0, &fd), Request::map, subject);
    return Fd{fd};
}

std::vector<vpin_event> Device::events() const
{
    std::array<vpin_event, 16> events{};
    std::vector<vpin_event> all;
    for (;;) {
        std::size_t count = 0;
        const int ret = vpin_read_events(fd_.get(), events.data(), events.size(), &count);
        if (ret == -EINTR)
            continue;
        check(ret, Request::read_events);
        if (count == 0)
            break;
        all.insert(all.end(), events.begin(), events.begin() + static_cast<std::ptrdiff_t>(count));
    }
    return all;
}

} // namespace vpin
