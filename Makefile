# Mica: build, run and test. `make run` and `make test` work on a fresh
# Debian 12 machine: tools/setup.sh installs what is missing first.
#
#   make            build the kernel, the servers and the boot archive
#   make run        boot in QEMU (APPEND="...", DISK=img, QEMU_EXTRA="...")
#   make test       host unit tests, fuzz smoke runs, then QEMU tests
#   make bench      benchmarks in QEMU with -icount shift=0
#   make debug      QEMU halted at reset + gdb-multiarch on build/kernel.elf
#   make fuzz       long fuzz runs with random, printed seeds
#   V=1             show the full compiler command lines

B        := build
CROSS    := riscv64-linux-gnu-
CC       := $(CROSS)gcc
OBJCOPY  := $(CROSS)objcopy
HOSTCC   := gcc
PYTEST   := /usr/bin/python3 -m pytest

APPEND     ?=
DISK       ?= $(B)/disk.img
QEMU_EXTRA ?=
FASTPATH   ?= 1
V          ?= 0
Q          := $(if $(filter 1,$(V)),,@)

SETUP   := $(B)/.setup
SYSROOT := $(B)/sysroot
MUSL_CC := $(SYSROOT)/bin/riscv64-mica-musl-gcc

WARN    := -Wall -Wextra -Werror
ARCH    := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
# -fno-tree-loop-distribute-patterns: gcc must not turn memset's own loop
# into a call to memset.
FREE    := -std=c11 -ffreestanding -nostdlib -fno-builtin -fno-stack-protector \
           -fno-pie -fno-omit-frame-pointer -fno-tree-loop-distribute-patterns \
           -O2 -g $(WARN) $(ARCH) -MMD -MP
KCFLAGS := $(FREE) -Ikernel -Ilibipc/include
UCFLAGS := $(FREE) -Ilibipc/include

HOSTCFLAGS := -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer $(WARN) -DHOST_TEST -Ikernel -Ilibipc/include -Iservers/fs

.DEFAULT_GOAL := all
.PHONY: all run test host-tests bench debug fuzz stress clean setup musl disk
.SUFFIXES:
.SECONDEXPANSION:
.SECONDARY:

all: $(B)/kernel.elf $(B)/kernel-nofast.elf $(B)/disk.img $(MUSL_CC)

# ---- set-up: Debian packages, musl -------------------------------------

$(SETUP): tools/setup.sh
	@tools/setup.sh
	@mkdir -p $(B) && touch $@

setup: $(SETUP)

$(MUSL_CC): tools/build-musl.sh | $(SETUP)
	tools/build-musl.sh $(B)

musl: $(MUSL_CC)

# ---- libipc (user side) and native programs ------------------------------

LIBIPC_SRCS := $(wildcard libipc/*.c) libipc/crt0.S
LIBIPC_OBJS := $(patsubst %,$(B)/u/%.o,$(LIBIPC_SRCS))

$(B)/u/%.c.o: %.c | $(SETUP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(UCFLAGS) -c -o $@ $<

$(B)/u/%.S.o: %.S | $(SETUP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(UCFLAGS) -c -o $@ $<

$(B)/libipc.a: $(LIBIPC_OBJS)
	@rm -f $@
	$(CROSS)ar rcs $@ $^

# Native programs in the boot archive: servers/NAME/*.c and user/NAME/*.c
# become build/native/NAME.elf and the archive entry NAME.
NATIVE := servers/root servers/blk servers/fs servers/posix user/ktest user/kbench user/kfuzz \
          user/blktest user/blkbench user/fstest user/fsbench
native_objs = $(patsubst %,$(B)/u/%.o,$(wildcard $(filter %/$(1),$(NATIVE))/*.c))

$(B)/native/%.elf: $$(call native_objs,$$*) $(B)/libipc.a libipc/user.ld
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(UCFLAGS) -static -no-pie -T libipc/user.ld -o $@ $(call native_objs,$*) \
	    $(B)/libipc.a -Wl,--build-id=none

# ---- boot archive and kernel -----------------------------------------

# Linux test programs (user/tests/NAME.c), built static with the musl
# toolchain; in the boot archive as bin/NAME until they live on the disk.
LINUX_TESTS := $(patsubst user/tests/%.c,%,$(wildcard user/tests/*.c))
LINUX_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 -Ilibipc/include

$(B)/linux/%: user/tests/%.c user/tests/cases.h $(MUSL_CC)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(MUSL_CC) $(LINUX_CFLAGS) -o $@ $<

$(B)/archive/bin/%: $(B)/linux/%
	@mkdir -p $(dir $@)
	$(Q)$(CROSS)strip -o $@ $<

# badelf is a truncated executable: the boot test checks that the kernel
# refuses to start it.
ARCHIVE_NAMES := $(notdir $(NATIVE)) badelf $(addprefix bin/,$(LINUX_TESTS))
ARCHIVE_FILES := $(patsubst %,$(B)/archive/%,$(ARCHIVE_NAMES))

$(B)/archive/%: $(B)/native/%.elf
	@mkdir -p $(dir $@)
	$(CROSS)strip --strip-debug -o $@ $<

$(B)/archive/badelf: $(B)/archive/root
	head -c 3000 $< > $@

$(B)/archive.cpio: $(ARCHIVE_FILES)
	cd $(B)/archive && printf '%s\n' $(ARCHIVE_NAMES) | cpio --quiet -o -H newc -R 0:0 > ../archive.cpio

KERNEL_SRCS := $(wildcard kernel/*.c kernel/object/*.c kernel/arch/riscv/*.c kernel/arch/riscv/*.S) \
               libipc/fmt.c libipc/string.c libipc/elf.c libipc/archive.c

# The kernel (objects in build/k) and the same kernel with the IPC fastpath
# built out (build/k0, build/kernel-nofast.elf): the IPC tests run on both.
define kernel_variant
$(B)/$(1)/%.c.o: %.c | $(SETUP)
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$<"
	$$(Q)$$(CC) $$(KCFLAGS) -DCONFIG_FASTPATH=$(2) -c -o $$@ $$<

$(B)/$(1)/%.S.o: %.S | $(SETUP)
	@mkdir -p $$(dir $$@)
	@echo "  AS      $$<"
	$$(Q)$$(CC) $$(KCFLAGS) -DCONFIG_FASTPATH=$(2) -D__ASSEMBLER__ \
	    -DBOOT_ARCHIVE='"$(B)/archive.cpio"' -c -o $$@ $$<

$(B)/$(1)/kernel/arch/riscv/archive.S.o: $(B)/archive.cpio

$(3): $(patsubst %,$(B)/$(1)/%.o,$(KERNEL_SRCS)) kernel/arch/riscv/kernel.ld
	@echo "  LD      $$@"
	$$(Q)$$(CC) $$(KCFLAGS) -T kernel/arch/riscv/kernel.ld -static -no-pie \
	    -Wl,--no-warn-rwx-segments -Wl,--build-id=none -o $$@ \
	    $(patsubst %,$(B)/$(1)/%.o,$(KERNEL_SRCS))
endef

$(eval $(call kernel_variant,k,$(FASTPATH),$(B)/kernel.elf))
$(eval $(call kernel_variant,k0,0,$(B)/kernel-nofast.elf))

# ---- the root file system image ----------------------------------------

# ext2 with a deliberate feature set (README): filetype, sparse_super and
# large_file, 4 KiB blocks, 256-byte inodes (timestamps beyond 2038).
# `make disk EXTRA=dir` puts dir's contents under /opt. The image is only
# rebuilt when its inputs change: it keeps what Mica wrote to it otherwise.
DISK_SIZE  ?= 256M
EXTRA      ?=
MKFS_EXT2  := mkfs.ext2 -q -F -t ext2 -b 4096 -I 256 -O none,filetype,sparse_super,large_file
ROOTFS_FILES := $(shell find rootfs -type f 2>/dev/null) $(if $(EXTRA),$(shell find $(EXTRA) -type f))
# Which EXTRA the image was made with: a change of it (or dropping it) remakes
# the image even when no file is newer than the image.
EXTRA_STAMP := $(B)/disk-extra
$(shell mkdir -p $(B) && { echo '$(EXTRA)' | cmp -s - $(EXTRA_STAMP) || echo '$(EXTRA)' > $(EXTRA_STAMP); })
BUSYBOX := $(B)/busybox/busybox

# busybox from Debian's source package, built static against the sysroot
# (tools/build-busybox.sh; tools/busybox.config says what is turned off).
$(BUSYBOX): tools/build-busybox.sh tools/busybox.config $(MUSL_CC)
	@echo "  BUSYBOX $@"
	$(Q)tools/build-busybox.sh $(B)

# The image: rootfs/, busybox with its applet links, /sbin/init, and the
# Linux test programs in /usr/lib/mica/tests.
DISK_INPUTS := $(ROOTFS_FILES) $(EXTRA_STAMP) $(BUSYBOX) $(B)/linux/init $(B)/linux/service \
               $(B)/linux/churn $(addprefix $(B)/linux/,$(LINUX_TESTS))

$(B)/linux/init: user/init/init.c $(MUSL_CC)
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(MUSL_CC) $(LINUX_CFLAGS) -o $@ $<

# Linux programs of user/NAME/NAME.c: service (in /bin) and churn.
$(B)/linux/service: user/service/service.c libipc/include/mica/service.h $(MUSL_CC)
$(B)/linux/churn: user/churn/churn.c $(MUSL_CC)
$(B)/linux/service $(B)/linux/churn:
	@mkdir -p $(dir $@)
	@echo "  MUSLCC  $@"
	$(Q)$(MUSL_CC) $(LINUX_CFLAGS) -o $@ $<

$(B)/disk.img: $(DISK_INPUTS) | $(SETUP)
	@echo "  MKFS    $@"
	$(Q)rm -rf $(B)/stage && mkdir -p $(B)/stage && cp -a rootfs/. $(B)/stage/
	$(Q)find $(B)/stage -name .keep -delete
	$(Q)# /tmp and /dev/shm (named semaphores, shm_open) are everyone's, sticky.
	$(Q)chmod 1777 $(B)/stage/tmp $(B)/stage/dev/shm
	$(Q)cp $(BUSYBOX) $(B)/stage/bin/busybox
	$(Q)# Relative links: nothing written into the stage may follow one out of it.
	$(Q)for l in $$(cat $(B)/busybox/busybox.links); do \
	    [ "$$l" = /bin/busybox ] || [ "$$l" = /sbin/init ] || { \
	    mkdir -p $(B)/stage$$(dirname $$l); ln -sfr $(B)/stage/bin/busybox $(B)/stage$$l; }; done
	$(Q)$(CROSS)strip -o $(B)/stage/sbin/init $(B)/linux/init
	$(Q)$(CROSS)strip -o $(B)/stage/bin/service $(B)/linux/service
	$(Q)mkdir -p $(B)/stage/usr/lib/mica && $(CROSS)strip -o $(B)/stage/usr/lib/mica/churn $(B)/linux/churn
	$(Q)mkdir -p $(B)/stage/usr/lib/mica/tests && for t in $(LINUX_TESTS); do \
	    $(CROSS)strip -o $(B)/stage/usr/lib/mica/tests/$$t $(B)/linux/$$t; done
	$(Q)$(if $(EXTRA),mkdir -p $(B)/stage/opt && cp -a $(EXTRA)/. $(B)/stage/opt/)
	$(Q)$(MKFS_EXT2) -d $(B)/stage $@.tmp $(DISK_SIZE) >/dev/null && mv $@.tmp $@

disk:
	rm -f $(B)/disk.img
	$(MAKE) $(B)/disk.img EXTRA="$(EXTRA)"

# ---- running ------------------------------------------------------------

run: all
	tools/qemu.sh $(B)/kernel.elf "$(DISK)" "$(APPEND)" $(QEMU_EXTRA)

debug: all
	@echo "QEMU waits for gdb on :1234; the console goes to $(B)/debug-console.log"
	tools/qemu.sh $(B)/kernel.elf "$(DISK)" "$(APPEND)" -serial file:$(B)/debug-console.log \
	    -display none -monitor none -s -S $(QEMU_EXTRA) & \
	qpid=$$!; gdb-multiarch -q -ex 'set architecture riscv:rv64' \
	    -ex 'target remote localhost:1234' $(B)/kernel.elf; kill $$qpid 2>/dev/null; true

# ---- tests ------------------------------------------------------------

# Host unit tests and fuzzers: test/host/NAME.c linked with the pure kernel
# sources listed in HOST_NAME, built with ASan and UBSan.
HOST_test_fdt     := kernel/fdt.c
HOST_fuzz_fdt     := kernel/fdt.c
HOST_test_elf     := libipc/elf.c
HOST_fuzz_elf     := libipc/elf.c
HOST_test_archive := libipc/archive.c
HOST_fuzz_archive := libipc/archive.c
HOST_test_kalloc  := kernel/kalloc.c
HOST_test_cmdline := kernel/cmdline.c
HOST_test_fmt     := libipc/fmt.c
HOST_test_poison  := libipc/poison.c
HOST_test_runqueue := kernel/runqueue.c
HOST_test_cspace  := kernel/object/cspace.c
EXT2_CORE         := $(filter-out servers/fs/main.c servers/fs/table.c servers/fs/cache.c servers/fs/journal.c \
                       servers/fs/request_%.c,$(wildcard servers/fs/*.c))
HOST_test_ext2    := $(EXT2_CORE)
HOST_fuzz_ext2    := $(EXT2_CORE)
# fuzz_cache includes cache.c itself, with stand-ins for the system calls.
$(B)/host/fuzz_cache: servers/fs/cache.c
HOST_TESTS := $(patsubst test/host/%.c,$(B)/host/%,$(wildcard test/host/*.c))

$(B)/host/%: test/host/%.c $$(HOST_$$*) $(wildcard test/host/*.h test/host/ext2/*.h) | $(SETUP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -o $@ $< $(HOST_$*)

$(B)/virt.dtb: | $(SETUP)
	qemu-system-riscv64 -machine virt -m 256M -machine dumpdtb=$@ -nographic >/dev/null

host-tests: $(HOST_TESTS) $(B)/virt.dtb

test: all host-tests
	$(PYTEST) -v test/ --ignore=test/bench

fuzz: all host-tests
	MICA_FUZZ_LONG=1 $(PYTEST) -v -k fuzz test/

# The restart stress run at its full size (fs killed 100 times, blk 50,
# both in turn 50); make test runs a third of it.
stress: all
	MICA_STRESS=1 $(PYTEST) -v test/restart/

bench: all
	$(PYTEST) -v -s test/bench/

clean:
	rm -rf $(B)/k $(B)/k0 $(B)/u $(B)/host $(B)/native $(B)/archive $(B)/*.elf $(B)/*.a $(B)/*.cpio

-include $(shell find $(B)/k $(B)/k0 $(B)/u -name '*.d' 2>/dev/null)
