# SPDX-License-Identifier: GPL-2.0
# Shared by tests/vm/run, the Makefile and scripts: find the installed Debian
# kernels vpin supports and build the test guest's initramfs.  Source it.

# The two supported kernel series.
VPIN_KERNEL_SERIES="6.1 6.12"

# The debug kernel (make debug-kernel, scripts/build-debug-kernel) lives in
# the repository's build tree, not in /boot: its image, its config, its
# release and its build tree.  Everything its guest needs is built in.
vpin_debug_kernel_dir() {
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	echo "${VPIN_DEBUG_KERNEL_DIR:-${here%/tests/vm}/build/debug-kernel}"
}

# vpin_debug_release: print the release of the built debug kernel.
vpin_debug_release() {
	local dir
	dir=$(vpin_debug_kernel_dir)
	[ -s "$dir/vmlinuz" ] && [ -s "$dir/release" ] || return 1
	cat "$dir/release"
}

# vpin_kernel_image RELEASE: print the path of RELEASE's kernel image.
vpin_kernel_image() {
	if [ -n "$1" ] && [ "$1" = "$(vpin_debug_release)" ]; then
		echo "$(vpin_debug_kernel_dir)/vmlinuz"
	else
		echo "/boot/vmlinuz-$1"
	fi
}

# vpin_kernel_config RELEASE: print the path of RELEASE's kernel config.
vpin_kernel_config() {
	if [ -n "$1" ] && [ "$1" = "$(vpin_debug_release)" ]; then
		echo "$(vpin_debug_kernel_dir)/config"
	else
		echo "/boot/config-$1"
	fi
}

# vpin_kernel_build_dir RELEASE: print the directory modules for RELEASE are
# built against (make -C DIR M=...).
vpin_kernel_build_dir() {
	if [ -n "$1" ] && [ "$1" = "$(vpin_debug_release)" ]; then
		echo "$(vpin_debug_kernel_dir)/obj"
	else
		echo "/lib/modules/$1/build"
	fi
}

# vpin_kernel_modules_dir RELEASE: print RELEASE's tree of modules, which
# for the debug kernel says which are built in (modules.builtin).
vpin_kernel_modules_dir() {
	if [ -n "$1" ] && [ "$1" = "$(vpin_debug_release)" ]; then
		echo "$(vpin_debug_kernel_dir)/modules/lib/modules/$1"
	else
		echo "/lib/modules/$1"
	fi
}

# vpin_kernel_release SERIES|RELEASE|debug: print the newest installed release
# of a series (6.1 matches 6.1.0-NN-amd64, 6.12 matches 6.12.NNN+debNN-amd64),
# RELEASE itself if /boot has it, or the debug kernel's release.
vpin_kernel_release() {
	local want=$1 f rel best=
	if [ "$want" = debug ]; then
		vpin_debug_release
		return
	fi
	if [ -e "/boot/vmlinuz-$want" ] || [ "$want" = "$(vpin_debug_release)" ]; then
		echo "$want"
		return 0
	fi
	for f in /boot/vmlinuz-"$want".* /boot/vmlinuz-"$want"-*; do
		[ -e "$f" ] || continue
		rel=${f#/boot/vmlinuz-}
		case "$rel" in
		"$want".[0-9]*|"$want"-[0-9]*) ;;
		*) continue ;;
		esac
		[ -d "/lib/modules/$rel/kernel" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$rel" | sed '/^$/d' | sort -V | tail -n 1)
	done
	[ -n "$best" ] || return 1
	echo "$best"
}

# vpin_initramfs RELEASE CACHE_DIR: print the path of an initramfs for
# RELEASE, building it if it is missing or older than its inputs.
vpin_initramfs() {
	local rel=$1 cache=$2 here out tmp mod m
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	out=$cache/$rel/initramfs.cpio.gz
	if [ -s "$out" ] && [ "$out" -nt "$here/initramfs-init" ] &&
	   [ "$out" -nt "$here/kernels.sh" ]; then
		echo "$out"
		return 0
	fi
	command -v busybox > /dev/null || { echo "busybox-static is missing" >&2; return 1; }
	mkdir -p "$cache/$rel"
	tmp=$(mktemp -d "$cache/$rel/root.XXXXXX")
	mkdir -p "$tmp"/{bin,dev,proc,sys,newroot,lib/modules}
	cp "$(command -v busybox)" "$tmp/bin/busybox"
	for m in sh mount insmod mkdir chroot sleep cat; do
		ln -s busybox "$tmp/bin/$m"
	done
	cp "$here/initramfs-init" "$tmp/init"
	chmod 755 "$tmp/init"
	: > "$tmp/modules.order"
	# The pmem drivers first: their device setup runs asynchronously and
	# is the slowest part of the boot under TCG.  Then 9p over virtio.
	for m in nd_pmem nd_e820 virtio_pci 9pnet_virtio 9p; do
		modprobe -S "$rel" --show-depends "$m" 2> /dev/null
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
	while read -r mod; do
		local base
		base=$(basename "$mod")
		case "$mod" in
		*.xz) xz -dc "$mod" > "$tmp/lib/modules/${base%.xz}"; base=${base%.xz} ;;
		*.zst) zstd -qdc "$mod" > "$tmp/lib/modules/${base%.zst}"; base=${base%.zst} ;;
		*) cp "$mod" "$tmp/lib/modules/$base" ;;
		esac
		echo "/lib/modules/$base" >> "$tmp/modules.order"
	done
	# A kernel with 9p built in (the debug kernel) needs no module at all.
	grep -q 9p.ko "$tmp/modules.order" || grep -qx 'CONFIG_9P_FS=y' "$(vpin_kernel_config "$rel")" 2> /dev/null ||
		{ rm -rf "$tmp"; echo "no 9p module for $rel" >&2; return 1; }
	(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp" &&
		mv "$out.tmp" "$out"
	rm -rf "$tmp"
	echo "$out"
}

# vpin_header_release SERIES: print the newest release of a series whose
# kernel headers are installed (/lib/modules/RELEASE/build).
vpin_header_release() {
	local want=$1 d rel best=
	for d in /lib/modules/"$want".* /lib/modules/"$want"-*; do
		[ -e "$d/build/Makefile" ] || continue
		rel=${d#/lib/modules/}
		best=$(printf '%s\n%s\n' "$best" "$rel" | sed '/^$/d' | sort -V | tail -n 1)
	done
	[ -n "$best" ] || return 1
	echo "$best"
}

# vpin_supported_releases: the newest installed headers of each series.
vpin_supported_releases() {
	local s
	for s in $VPIN_KERNEL_SERIES; do
		vpin_header_release "$s" || true
	done
}
