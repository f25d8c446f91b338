# Shared by tests/vm/run, the Makefile and scripts: find the installed Debian
# kernels vpin supports and build the test guest's initramfs.  Source it.

# The two supported kernel series.
VPIN_KERNEL_SERIES="6.1 6.12"

# vpin_kernel_release SERIES|RELEASE: print the newest installed release of a
# series (6.1 matches 6.1.0-NN-amd64, 6.12 matches 6.12.NNN+debNN-amd64), or
# RELEASE itself if /boot has it.
vpin_kernel_release() {
	local want=$1 f rel best=
	if [ -e "/boot/vmlinuz-$want" ]; then
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
	grep -q 9p.ko "$tmp/modules.order" || { rm -rf "$tmp"; echo "no 9p module for $rel" >&2; return 1; }
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
