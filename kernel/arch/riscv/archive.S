/* The boot archive (a cpio of the native programs), built by the Makefile.
 * Page-aligned, because the first process gets it mapped read-only. */
    .section .rodata
    .balign 4096
    .globl boot_archive, boot_archive_end
boot_archive:
    .incbin BOOT_ARCHIVE
boot_archive_end:
    .balign 4096
