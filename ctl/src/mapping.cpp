// SPDX-License-Identifier: GPL-2.0
#include <vpin/mapping.hpp>

#include <cerrno>
#include <system_error>

#include <sys/mman.h>

namespace vpin {

Mapping::Mapping(int fd, std::uint64_t offset, std::size_t length, int prot,
                 const std::string &subject)
    : addr_{::mmap(nullptr, length, prot, MAP_SHARED, fd, static_cast<off_t>(offset))}, length_{length}
{
    if (addr_ == MAP_FAILED)
        throw std::system_error{errno, std::generic_category(), "mmap: " + subject};
}

Mapping::~Mapping()
{
    ::munmap(addr_, length_);
}

} // namespace vpin
