; Unmapped-GPA test guest: switches to 32-bit protected mode (flat, no
; paging) and reads a dword at guest-physical 0x20000000 (512 MiB), above the
; VM's RAM and below the PCI hole at 0xc0000000, where nothing is mapped.
; MACROHARD must stop only this VM with a register dump, reporting "stopped:
; access to an unmapped guest-physical address".  If the read returns
; anyway, the guest says so and exits with status 1.

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"

UNMAPPED_GPA    equ 0x20000000
CODE32          equ 0x08
DATA32          equ 0x10

        org     MHTEST_LOAD_GPA
        MHTEST_HEADER entry

        MODE_REAL
entry:
        cli
        cld
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, MHTEST_STACK
        o32 lgdt [gdt_desc]
        mov     eax, cr0
        or      eax, 1                  ; PE
        mov     cr0, eax
        jmp     dword CODE32:prot_entry

        MODE_PROT
prot_entry:
        mov     ax, DATA32
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, MHTEST_STACK
        mov     esi, msg_about
        call    prot_puts
        call    prot_drain
        mov     eax, [UNMAPPED_GPA]
        mov     esi, msg_alive
        call    prot_puts
        call    prot_drain
        mov     al, 1
        out     DEBUG_EXIT_PORT, al
.hang:
        cli
        hlt
        jmp     .hang

        SERIAL_LIB prot

        align   8
gdt:    dq      0
        dq      0x00cf9a000000ffff      ; CODE32: base 0, 4 GiB, 32-bit
        dq      0x00cf92000000ffff      ; DATA32
gdt_end:
gdt_desc:
        dw      gdt_end - gdt - 1
        dd      gdt
msg_about:      db "PASS: unmapped: about to read beyond RAM", 10, 0
msg_alive:      db "FAIL: unmapped: a read at 0x20000000 returned instead of stopping the VM", 10, 0
