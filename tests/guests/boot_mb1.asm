; Multiboot v1 boot-format guest: an ELF32 kernel with a Multiboot header, as kvm-unit-tests
; builds them.  Run with itself as the initrd and "mb1 boot check" as the command line in a
; 32 MiB VM (tests/configs/boot.cfg); checks the start state and the multiboot_info
; (docs/guest.md, "Boot"), then exits through isa-debug-exit.

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"
%include "include/bootcheck.inc"

LOAD_ADDR       equ 0x400000
BSS_SIZE        equ 0x2000
MB_MAGIC        equ 0x1badb002
MB_FLAGS        equ 3                   ; page-aligned modules, memory information
VM_MEMORY       equ 32 << 20

        MODE_PROT
        org     LOAD_ADDR

ehdr:
        db      0x7f, "ELF", 1, 1, 1, 0 ; ELFCLASS32, little-endian, version 1
        times 8 db 0
        dw      2                       ; ET_EXEC
        dw      3                       ; EM_386
        dd      1
        dd      start                   ; e_entry
        dd      phdr - ehdr             ; e_phoff
        dd      0                       ; e_shoff
        dd      0                       ; e_flags
        dw      52, 32, 1, 0, 0, 0      ; ehsize, phentsize, phnum, shentsize, shnum, shstrndx
phdr:
        dd      1                       ; PT_LOAD: the whole file, then the bss
        dd      0
        dd      LOAD_ADDR, LOAD_ADDR
        dd      file_end - ehdr
        dd      bss_end - ehdr
        dd      7
        dd      0x1000

        align   4
mb_header:
        dd      MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

start:
        mov     [saved_eax], eax
        mov     [saved_ebx], ebx
        mov     esp, bss_end
        pushfd
        pop     dword [saved_flags]

        cmp     dword [saved_eax], 0x2badb002
        EXPECT  e, "eax holds 0x2badb002"
        test    dword [saved_flags], 0x200
        EXPECT  z, "interrupts disabled"
        mov     eax, cr0
        test    eax, 1
        EXPECT  nz, "protected mode"
        test    eax, 0x80000000
        EXPECT  z, "paging off"
        cmp     dword [bss_start], 0
        EXPECT  e, "bss zeroed"

        mov     ebx, [saved_ebx]
        mov     eax, [ebx]
        and     eax, 0x4d
        cmp     eax, 0x4d
        EXPECT  e, "info flags: memory, cmdline, mods, mmap"
        cmp     dword [ebx + 4], 0x9f000 >> 10
        EXPECT  e, "mem_lower 636 kib"
        cmp     dword [ebx + 8], (VM_MEMORY - 0x100000) >> 10
        EXPECT  e, "mem_upper 31 mib"
        mov     esi, [ebx + 16]
        mov     edi, want_cmdline
        call    bc_streq
        EXPECT  e, "cmdline"

        cmp     dword [ebx + 20], 1
        EXPECT  e, "one module"
        mov     edx, [ebx + 24]
        mov     eax, [edx]
        test    eax, 0xfff
        EXPECT  z, "module 0 page-aligned"
        cmp     eax, bss_end
        EXPECT  ae, "module 0 above the kernel"
        mov     ecx, [edx + 4]
        sub     ecx, eax
        cmp     ecx, file_end - ehdr
        EXPECT  e, "module 0 size is the initrd's"
        cmp     dword [eax], 0x464c457f
        EXPECT  e, "module 0 holds the initrd"
        mov     esi, [edx + 8]
        mov     edi, want_cmdline
        call    bc_streq
        EXPECT  e, "module 0 string is the command line"

        cmp     dword [ebx + 44], 6 * 24
        EXPECT  e, "mmap: 6 entries"
        mov     edx, [ebx + 48]
        cmp     dword [edx], 20
        EXPECT  e, "mmap: entry size 20"
        mov     eax, [edx + 4]
        or      eax, [edx + 8]
        EXPECT  z, "mmap: ram from 0"
        cmp     dword [edx + 12], 0x9f000
        EXPECT  e, "mmap: to 0x9f000"
        cmp     dword [edx + 20], 1
        EXPECT  e, "mmap: type ram"
        cmp     dword [edx + 24 + 20], 2
        EXPECT  e, "mmap: then reserved"
        cmp     dword [edx + 48 + 4], 0x100000
        EXPECT  e, "mmap: ram from 1 mib"
        cmp     dword [edx + 48 + 12], VM_MEMORY - 0x100000
        EXPECT  e, "mmap: to the end of ram"
        mov     esi, [ebx + 64]
        mov     edi, want_loader
        call    bc_streq
        EXPECT  e, "boot loader name"
        jmp     bc_finish

        SERIAL_LIB prot
        BOOTCHECK_LIB prot, "mb1"

want_cmdline:   db "mb1 boot check", 0
want_loader:    db "MACROHARD", 0
        align   4
saved_eax:      dd 0
saved_ebx:      dd 0
saved_flags:    dd 0
        align   16
file_end:
bss_start       equ file_end
bss_end         equ file_end + BSS_SIZE
