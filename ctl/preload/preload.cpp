// SPDX-License-Identifier: GPL-2.0
// libvpin-preload.so: serves an unmodified program's shared mappings of
// chosen FS-DAX files through vpin, so that the program can register them
// with devices (ibv_reg_mr(), io_uring fixed buffers), which the kernel
// refuses for FS-DAX mappings. `pinctl run` sets it up:
//
//   VPIN_RUN_FILES   the files, one path per line
//   VPIN_RUN_WRITE   "1": writable mappings are allowed (pinned writable)
//   VPIN_RUN_DEVICE  the vpin device node (default /dev/vpin)
//
// A shared mapping of one of the files is made as asked, then the file is
// leased exclusively (once), the mapped range pinned, and a vpin mapping of
// the pin put in its place at the same address. Unmapping the whole range
// releases the pin, and the lease with the file's last one. Every failure
// is printed and fails the mmap() with its errno: a program that got a
// mapping has the device-ready one.
//
// Limits: one shared writable mapping per file at a time (once leased, the
// file is protected, and new shared writable mappings of it are refused);
// partial munmap() leaves the pin until the process ends.
#include <vpin/device.hpp>
#include <vpin/explain.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using MmapFn = void *(*)(void *, size_t, int, int, int, off_t);
using MunmapFn = int (*)(void *, size_t);

MmapFn real_mmap()
{
    static const auto fn = reinterpret_cast<MmapFn>(dlsym(RTLD_NEXT, "mmap"));
    return fn;
}

MunmapFn real_munmap()
{
    static const auto fn = reinterpret_cast<MunmapFn>(dlsym(RTLD_NEXT, "munmap"));
    return fn;
}

// A failure of serving a mapping of `path`, on standard error: a vpin
// request's in the words of vpin::explain(), which name the file.
void report(const std::string &path, const std::exception &e)
{
    if (dynamic_cast<const vpin::Error *>(&e))
        std::fprintf(stderr, "vpin-preload: %s\n", vpin::explain(e).c_str());
    else
        std::fprintf(stderr, "vpin-preload: %s: %s\n", path.c_str(), e.what());
}

struct FileId {
    dev_t dev;
    ino_t ino;
    bool operator==(const FileId &) const = default;
};

struct Lease {
    FileId file;
    std::uint64_t id;
    unsigned regions;
};

struct Region {
    std::uintptr_t addr;
    size_t length;
    FileId file;
    std::uint64_t pin;
};

class Preload {
public:
    Preload()
    {
        const char *files = std::getenv("VPIN_RUN_FILES");
        std::istringstream in{files ? files : ""};
        for (std::string path; std::getline(in, path);) {
            struct stat st {};
            if (!path.empty() && ::stat(path.c_str(), &st) == 0)
                targets_.push_back({st.st_dev, st.st_ino, path});
        }
        const char *write = std::getenv("VPIN_RUN_WRITE");
        write_ = write && std::string{write} == "1";
        const char *device = std::getenv("VPIN_RUN_DEVICE");
        device_path_ = device ? device : VPIN_DEVICE_PATH;
    }

    // The path of the file open as `fd`, if it is one of the targets.
    const std::string *target(int fd, FileId &id) const
    {
        struct stat st {};
        if (targets_.empty() || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
            return nullptr;
        id = {st.st_dev, st.st_ino};
        for (const auto &t : targets_)
            if (t.file == id)
                return &t.path;
        return nullptr;
    }

    // Puts a vpin mapping of [addr, addr + length) of the file in place of
    // the file's mapping there; returns 0 or an errno.
    int serve(void *addr, size_t length, int prot, int fd, FileId file, const std::string &path)
    {
        std::lock_guard guard{lock_};
        try {
            if ((prot & PROT_WRITE) && !write_)
                throw std::system_error{EACCES, std::generic_category(),
                                        "a writable mapping (pinctl run --write allows it)"};
            if (!device_)
                device_ = std::make_unique<vpin::Device>(device_path_);
            Lease &lease = lease_of(fd, file, path);
            const size_t pagesize = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
            const size_t span = (length + pagesize - 1) / pagesize * pagesize;
            std::uint64_t pin = 0;
            try {
                pin = device_->pin(addr, span, (prot & PROT_WRITE) ? VPIN_PIN_F_WRITE : 0, path);
                const vpin::Fd map = device_->map(pin, 0, 0, path);
                if (real_mmap()(addr, span, prot, MAP_SHARED | MAP_FIXED, map.get(), 0) ==
                    MAP_FAILED)
                    throw std::system_error{errno, std::generic_category(), "mmap of the vpin mapping"};
            } catch (...) {
                if (pin)
                    device_->unpin(pin);
                release(lease);
                throw;
            }
            regions_.push_back({reinterpret_cast<std::uintptr_t>(addr), span, file, pin});
            return 0;
        } catch (const std::system_error &e) {
            report(path, e);
            return e.code().value();
        } catch (const std::exception &e) {
            report(path, e);
            return ENOMEM;
        }
    }

    // [addr, addr + length) was unmapped: a region it covers goes.
    void unmapped(void *addr, size_t length)
    {
        std::lock_guard guard{lock_};
        const auto start = reinterpret_cast<std::uintptr_t>(addr);
        auto gone = std::remove_if(regions_.begin(), regions_.end(), [&](const Region &r) {
            if (r.addr < start || r.addr + r.length > start + length)
                return false;
            try {
                device_->unpin(r.pin);
                for (auto &l : leases_)
                    if (l.file == r.file)
                        release(l);
            } catch (const std::system_error &e) {
                std::fprintf(stderr, "vpin-preload: %s\n", vpin::explain(e).c_str());
            }
            return true;
        });
        regions_.erase(gone, regions_.end());
    }

private:
    struct Target {
        FileId file;
        std::string path;
    };

    Lease &lease_of(int fd, FileId file, const std::string &path)
    {
        for (auto &l : leases_)
            if (l.file == file && l.regions) {
                l.regions++;
                return l;
            }
        // An exclusive lease needs a descriptor open for writing.
        const std::string self = "/proc/self/fd/" + std::to_string(fd);
        vpin::Fd rw{::open(self.c_str(), O_RDWR | O_CLOEXEC)};
        if (!rw)
            throw std::system_error{errno, std::generic_category(), "open for writing"};
        const std::uint64_t id = device_->lease(rw.get(), VPIN_LEASE_EXCLUSIVE, path);
        leases_.push_back({file, id, 1});
        return leases_.back();
    }

    void release(Lease &lease)
    {
        if (lease.regions && --lease.regions == 0)
            device_->unlease(lease.id);
    }

    std::mutex lock_;
    std::vector<Target> targets_;
    bool write_ = false;
    std::string device_path_;
    std::unique_ptr<vpin::Device> device_;
    std::vector<Lease> leases_;
    std::vector<Region> regions_;
};

Preload &preload()
{
    static Preload p;
    return p;
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) void *mmap(void *addr, size_t length, int prot, int flags,
                                                  int fd, off_t offset)
{
    void *p = real_mmap()(addr, length, prot, flags, fd, offset);
    FileId file{};
    const std::string *path;
    if (p == MAP_FAILED || fd < 0 || (flags & MAP_TYPE) == MAP_PRIVATE ||
        !(path = preload().target(fd, file)))
        return p;
    const int error = preload().serve(p, length, prot, fd, file, *path);
    if (error) {
        real_munmap()(p, length);
        errno = error;
        return MAP_FAILED;
    }
    return p;
}

__attribute__((visibility("default"))) void *mmap64(void *addr, size_t length, int prot,
                                                    int flags, int fd, off_t offset)
{
    return mmap(addr, length, prot, flags, fd, offset);
}

__attribute__((visibility("default"))) int munmap(void *addr, size_t length)
{
    const int r = real_munmap()(addr, length);
    if (r == 0)
        preload().unmapped(addr, length);
    return r;
}

} // extern "C"
