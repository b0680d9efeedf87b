/* The boot archive (a cpio of the server ELFs), built by the Makefile. */
    .section .rodata
    .balign 16
    .globl boot_archive, boot_archive_end
boot_archive:
    .incbin BOOT_ARCHIVE
boot_archive_end:
