; PVH boot-format guest: an ELF64 file with the Xen PHYS32_ENTRY note, entered in 32-bit
; protected mode.  Run with itself as the initrd and "pvh boot check" as the command line in a
; 32 MiB VM (tests/configs/boot.cfg); checks the start state and the hvm_start_info
; (docs/guest.md, "Boot"), then exits through isa-debug-exit.

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"
%include "include/bootcheck.inc"

LOAD_ADDR       equ 0x1000000
BSS_SIZE        equ 0x2000

        MODE_PROT
        org     LOAD_ADDR

ehdr:
        db      0x7f, "ELF", 2, 1, 1, 0 ; ELFCLASS64, little-endian, version 1
        times 8 db 0
        dw      2                       ; ET_EXEC
        dw      62                      ; EM_X86_64
        dd      1
        dq      start                   ; e_entry (PVH uses the note)
        dq      phdr - ehdr             ; e_phoff
        dq      0                       ; e_shoff
        dd      0                       ; e_flags
        dw      64, 56, 2, 0, 0, 0      ; ehsize, phentsize, phnum, shentsize, shnum, shstrndx
phdr:
        dd      1, 7                    ; PT_LOAD, RWX: the whole file, then the bss
        dq      0, LOAD_ADDR, LOAD_ADDR, file_end - ehdr, bss_end - ehdr, 0x1000
        dd      4, 4                    ; PT_NOTE
        dq      notes - ehdr, notes, notes, notes_end - notes, notes_end - notes, 4
notes:
        dd      4, 6, 6                 ; Xen, XEN_ELFNOTE_GUEST_OS: ignored
        db      "Xen", 0, "linux", 0, 0, 0
        dd      4, 8, 18                ; Xen, XEN_ELFNOTE_PHYS32_ENTRY, 8 bytes like Linux
        db      "Xen", 0
        dq      start
notes_end:

start:
        mov     [saved_ebx], ebx
        mov     esp, bss_end
        pushfd
        pop     dword [saved_flags]

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
        cmp     dword [ebx], 0x336ec578
        EXPECT  e, "start_info magic"
        cmp     dword [ebx + 4], 1
        EXPECT  e, "start_info version 1"
        mov     esi, [ebx + 24]
        mov     edi, want_cmdline
        call    bc_streq
        EXPECT  e, "cmdline"
        cmp     dword [ebx + 32], 0xe0000
        EXPECT  e, "rsdp_paddr"
        cmp     dword [ebx + 12], 1
        EXPECT  e, "one module"
        mov     edx, [ebx + 16]
        mov     eax, [edx]
        test    eax, 0xfff
        EXPECT  z, "module 0 page-aligned"
        cmp     eax, bss_end
        EXPECT  ae, "module 0 above the kernel"
        cmp     dword [edx + 8], file_end - ehdr
        EXPECT  e, "module 0 size is the initrd's"
        cmp     dword [eax], 0x464c457f
        EXPECT  e, "module 0 holds the initrd"

        cmp     dword [ebx + 48], 6
        EXPECT  e, "memmap: 6 entries"
        mov     edx, [ebx + 40]
        mov     eax, [edx]
        or      eax, [edx + 4]
        EXPECT  z, "memmap: ram from 0"
        cmp     dword [edx + 8], 0x9f000
        EXPECT  e, "memmap: to 0x9f000"
        cmp     dword [edx + 16], 1
        EXPECT  e, "memmap: type ram"
        cmp     dword [edx + 24 + 16], 2
        EXPECT  e, "memmap: then reserved"
        cmp     dword [edx + 48], 0x100000
        EXPECT  e, "memmap: ram from 1 mib"
        cmp     dword [edx + 48 + 8], (32 << 20) - 0x100000
        EXPECT  e, "memmap: to the end of ram"
        jmp     bc_finish

        SERIAL_LIB prot
        BOOTCHECK_LIB prot, "pvh"

want_cmdline:   db "pvh boot check", 0
        align   4
saved_ebx:      dd 0
saved_flags:    dd 0
        align   16
file_end:
bss_start       equ file_end
bss_end         equ file_end + BSS_SIZE
