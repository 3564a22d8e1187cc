; virtio-blk good-path test guest (docs/virtio.md), for tests/configs/virtio.cfg, running
; beside vio_bad.asm's VM: finds three virtio-blk functions by PCI scan, reads capacity and
; get-id serials, does flush, write/read through direct and indirect descriptors, discard and
; write-zeroes on the disk that allows them, a failing write on the read-only disk, then a
; long run of write/read-back rounds verifying the data each time; then interrupts: INTx
; through the IOAPIC (level, active low, GSI 16 + slot mod 8) and MSI-X through the local APIC.
; PASS:/FAIL: lines, a SUMMARY, then isa-debug-exit (0 = all passed).

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"

CODE32  equ 0x08
DATA32  equ 0x10
LAPIC   equ 0xfee00000
IOAPIC  equ 0xfec00000
V_INTX  equ 0x40
V_MSIX  equ 0x41
ROUNDS  equ 200
F_LO    equ (1 << 28) | (1 << 29)       ; INDIRECT_DESC, EVENT_IDX
F_LO_D  equ F_LO | (1 << 13) | (1 << 14) ; + DISCARD, WRITE_ZEROES
F_HI    equ 1                           ; VERSION_1

        org     MHTEST_LOAD_GPA
        MHTEST_HEADER entry

        MODE_REAL
entry:
        cli
        cld
        xor     ax, ax
        mov     ds, ax
        mov     ss, ax
        mov     esp, MHTEST_STACK
        lgdt    [gdt_desc]
        mov     eax, cr0
        or      eax, 1
        mov     cr0, eax
        jmp     dword CODE32:prot

        MODE_PROT
prot:
        mov     ax, DATA32
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, MHTEST_STACK

        ; ---- three disks, one function each, and no fourth
        xor     ebx, ebx
        call    vio_find
        mov     [disk0], eax
        mov     ebx, 1
        call    vio_find
        mov     [disk1], eax
        mov     ebx, 2
        call    vio_find
        mov     [disk2], eax
        mov     ebx, 3
        call    vio_find
        xor     edx, edx
        cmp     dword [disk0], -1
        je      .bad
        cmp     dword [disk1], -1
        je      .bad
        cmp     dword [disk2], -1
        je      .bad
        cmp     eax, -1
        jne     .bad
        inc     edx
.bad:   mov     eax, edx
        mov     edx, 1
        mov     esi, n_three
        call    check
        cmp     dword [disk2], -1
        je      .end

        ; ---- disk 0: 4 MiB, serial VIO-IO-0
        mov     eax, [disk0]
        call    vio_attach
        mov     eax, F_LO
        mov     edx, F_HI
        call    vio_init
        mov     edx, 0x0f
        mov     esi, n_init
        call    check
        mov     eax, [vio_devcfg]
        mov     eax, [eax]                      ; capacity (low half)
        mov     edx, 8192
        mov     esi, n_capacity
        call    check
        mov     eax, T_GET_ID
        xor     edx, edx
        mov     esi, DATA
        mov     ecx, 20
        mov     ebx, F_WRITE
        call    vio_request
        mov     eax, [DATA]
        mov     edx, "VIO-"
        mov     esi, n_serial0
        call    check
        mov     eax, [DATA + 4]
        mov     edx, "IO-0"
        mov     esi, n_serial0b
        call    check
        mov     eax, T_FLUSH
        xor     ecx, ecx
        call    vio_request
        call    status_ok
        mov     esi, n_flush
        call    check

        ; A write through an indirect table: header, two data halves, status.
        mov     edi, DATA
        mov     ecx, 1024
        mov     eax, 0x1d1d0000
        call    fill
        mov     dword [HDR], T_OUT
        mov     dword [HDR + 8], 100
        mov     dword [HDR + 12], 0
        mov     byte [STATUS], 0xee
        mov     edi, QIND
        mov     dword [edi], HDR
        mov     dword [edi + 4], 0
        mov     dword [edi + 8], 16
        mov     dword [edi + 12], F_NEXT | (1 << 16)
        mov     dword [edi + 16], DATA
        mov     dword [edi + 20], 0
        mov     dword [edi + 24], 300
        mov     dword [edi + 28], F_NEXT | (2 << 16)
        mov     dword [edi + 32], DATA + 300
        mov     dword [edi + 36], 0
        mov     dword [edi + 40], 724
        mov     dword [edi + 44], F_NEXT | (3 << 16)
        mov     dword [edi + 48], STATUS
        mov     dword [edi + 52], 0
        mov     dword [edi + 56], 1
        mov     dword [edi + 60], F_WRITE
        xor     ecx, ecx
        mov     eax, QIND
        mov     edx, 64
        mov     ebx, F_INDIRECT
        call    vio_desc
        xor     eax, eax
        call    vio_submit
        call    status_ok
        mov     esi, n_indirect
        call    check
        mov     eax, T_IN
        mov     edx, 100
        mov     esi, DATA2
        mov     ecx, 1024
        mov     ebx, F_WRITE
        call    vio_request
        call    status_ok
        mov     esi, n_read
        call    check
        mov     esi, DATA
        mov     edi, DATA2
        mov     ecx, 256
        repe    cmpsd
        mov     eax, ecx
        xor     edx, edx
        mov     esi, n_indirect_data
        call    check
        mov     eax, T_IN                       ; past the end
        mov     edx, 8191
        mov     esi, DATA2
        mov     ecx, 1024
        mov     ebx, F_WRITE
        call    vio_request
        movzx   eax, byte [STATUS]
        mov     edx, 1
        mov     esi, n_past_end
        call    check
        mov     eax, 77                         ; an unknown request type
        xor     ecx, ecx
        call    vio_request
        movzx   eax, byte [STATUS]
        mov     edx, 2
        mov     esi, n_unsupp
        call    check

        ; ---- write/read-back rounds, each verified
        mov     dword [round], 0
        mov     dword [bad_rounds], 0
.round:
        mov     eax, [round]
        imul    eax, eax, 37
        xor     edx, edx
        mov     ecx, 8000
        div     ecx
        mov     [sector], edx
        mov     eax, [round]
        shl     eax, 16
        xor     eax, [sector]
        mov     edi, DATA
        mov     ecx, 4096
        call    fill
        mov     eax, T_OUT
        mov     edx, [sector]
        mov     esi, DATA
        mov     ecx, 4096
        xor     ebx, ebx
        call    vio_request
        call    status_ok
        test    eax, eax
        jnz     .round_bad
        mov     edi, DATA2
        mov     ecx, 1024
        xor     eax, eax
        rep     stosd
        mov     eax, T_IN
        mov     edx, [sector]
        mov     esi, DATA2
        mov     ecx, 4096
        mov     ebx, F_WRITE
        call    vio_request
        call    status_ok
        test    eax, eax
        jnz     .round_bad
        mov     esi, DATA
        mov     edi, DATA2
        mov     ecx, 1024
        repe    cmpsd
        jecxz   .round_next
.round_bad:
        inc     dword [bad_rounds]
.round_next:
        inc     dword [round]
        cmp     dword [round], ROUNDS
        jb      .round
        mov     eax, [bad_rounds]
        xor     edx, edx
        mov     esi, n_rounds
        call    check

        ; ---- disk 1: discard and write-zeroes
        mov     eax, [disk1]
        call    vio_attach
        mov     ebx, [vio_common]
        mov     dword [ebx + CC_DFSEL], 0
        mov     eax, [ebx + CC_DF]
        and     eax, (1 << 13) | (1 << 14)
        mov     edx, (1 << 13) | (1 << 14)
        mov     esi, n_discard_offered
        call    check
        mov     eax, F_LO_D
        mov     edx, F_HI
        call    vio_init
        mov     edx, 0x0f
        mov     esi, n_init1
        call    check
        mov     eax, T_GET_ID
        xor     edx, edx
        mov     esi, DATA
        mov     ecx, 20
        mov     ebx, F_WRITE
        call    vio_request
        mov     eax, [DATA + 4]
        mov     edx, "IO-1"
        mov     esi, n_serial1
        call    check
        mov     edi, DATA
        mov     ecx, 1024
        mov     eax, 0x55aa0000
        call    fill
        mov     eax, T_OUT
        mov     edx, 2
        mov     esi, DATA
        mov     ecx, 1024
        xor     ebx, ebx
        call    vio_request
        mov     dword [DATA + 0x1000], 2        ; sector 2, one sector, no flags
        mov     dword [DATA + 0x1004], 0
        mov     dword [DATA + 0x1008], 1
        mov     dword [DATA + 0x100c], 0
        mov     eax, T_WRITE_ZEROES
        xor     edx, edx
        mov     esi, DATA + 0x1000
        mov     ecx, 16
        xor     ebx, ebx
        call    vio_request
        call    status_ok
        mov     esi, n_wz
        call    check
        mov     eax, T_IN
        mov     edx, 2
        mov     esi, DATA2
        mov     ecx, 1024
        mov     ebx, F_WRITE
        call    vio_request
        mov     eax, [DATA2]
        or      eax, [DATA2 + 508]
        xor     edx, edx
        mov     esi, n_wz_zero
        call    check
        mov     eax, [DATA2 + 512]
        mov     edx, [DATA + 512]
        mov     esi, n_wz_kept
        call    check
        mov     dword [DATA + 0x1000], 3
        mov     eax, T_DISCARD
        xor     edx, edx
        mov     esi, DATA + 0x1000
        mov     ecx, 16
        xor     ebx, ebx
        call    vio_request
        call    status_ok
        mov     esi, n_discard
        call    check

        ; ---- disk 2: read-only
        mov     eax, [disk2]
        call    vio_attach
        mov     eax, F_LO
        mov     edx, F_HI
        call    vio_init
        mov     eax, T_OUT
        xor     edx, edx
        mov     esi, DATA
        mov     ecx, 512
        xor     ebx, ebx
        call    vio_request
        movzx   eax, byte [STATUS]
        mov     edx, 1
        mov     esi, n_ro
        call    check

        ; ---- interrupts on disk 0
        mov     eax, [disk0]
        call    vio_attach
        mov     eax, F_LO & ~(1 << 29)          ; no event index: every completion interrupts
        mov     edx, F_HI
        call    vio_init
        call    setup_interrupts
        mov     eax, T_FLUSH
        xor     ecx, ecx
        call    vio_request
        call    wait_intx
        mov     eax, [intx_count]
        test    eax, eax
        setnz   al
        movzx   eax, al
        mov     edx, 1
        mov     esi, n_intx
        call    check
        mov     eax, [intx_isr]
        mov     edx, 1
        mov     esi, n_intx_isr
        call    check

        ; MSI-X: vector 1 of the table, queue 0 mapped to it, then enable.
        mov     ebx, [vio_msix_table]
        mov     dword [ebx + 16], LAPIC
        mov     dword [ebx + 20], 0
        mov     dword [ebx + 24], V_MSIX
        mov     dword [ebx + 28], 0
        mov     ebx, [vio_common]
        mov     word [ebx + CC_QSEL], 0
        mov     word [ebx + CC_QMSIX], 1
        movzx   eax, word [ebx + CC_QMSIX]
        mov     edx, 1
        mov     esi, n_msix_vec
        call    check
        mov     eax, [vio_cfg]
        or      eax, [vio_msix_cap]
        call    pci_rd32
        or      eax, 0x80000000                 ; Message Control: MSI-X enable
        mov     ecx, eax
        mov     eax, [vio_cfg]
        or      eax, [vio_msix_cap]
        call    pci_wr32
        mov     eax, [intx_count]
        mov     [intx_before], eax
        mov     eax, T_FLUSH
        xor     ecx, ecx
        call    vio_request
        mov     ecx, WAIT_LIMIT
.wm:    cmp     dword [msix_count], 0
        jne     .wm_done
        in      al, 0x80
        loop    .wm
.wm_done:
        mov     eax, [msix_count]
        test    eax, eax
        setnz   al
        movzx   eax, al
        mov     edx, 1
        mov     esi, n_msix
        call    check
        mov     eax, [intx_count]
        mov     edx, [intx_before]
        mov     esi, n_msix_no_intx
        call    check
        cli
.end:
        call    summary

; eax = vio_request's result: eax = the status byte when completed (else 0x100 + result).
status_ok:
        test    eax, eax
        jnz     .no
        movzx   eax, byte [STATUS]
        xor     edx, edx
        ret
.no:    add     eax, 0x100
        xor     edx, edx
        ret

; IDT with the two vectors, the local APIC on, the IOAPIC pin of disk 0's GSI.
setup_interrupts:
        mov     eax, isr_intx
        mov     ecx, V_INTX
        call    set_gate
        mov     eax, isr_msix
        mov     ecx, V_MSIX
        call    set_gate
        lidt    [idt_desc]
        mov     dword [LAPIC + 0xf0], 0x1ff     ; software enable, spurious vector 0xff
        mov     dword [LAPIC + 0x80], 0         ; TPR 0
        mov     eax, [vio_slot]
        and     eax, 7
        add     eax, 16                         ; GSI 16 + slot mod 8 (the DSDT's _PRT)
        shl     eax, 1
        add     eax, 0x10
        mov     [IOAPIC], eax                   ; redirection entry, high half
        inc     eax
        mov     [IOAPIC], eax
        mov     dword [IOAPIC + 0x10], 0        ; destination APIC 0
        dec     eax
        mov     [IOAPIC], eax
        mov     dword [IOAPIC + 0x10], V_INTX | (1 << 13) | (1 << 15) ; low, level
        sti
        ret

wait_intx:
        mov     ecx, WAIT_LIMIT
.w:     cmp     dword [intx_count], 0
        jne     .d
        in      al, 0x80
        loop    .w
.d:     ret

; ecx = vector, eax = handler.
set_gate:
        mov     [idt + ecx * 8], ax
        mov     word [idt + ecx * 8 + 2], CODE32
        mov     word [idt + ecx * 8 + 4], 0x8e00
        shr     eax, 16
        mov     [idt + ecx * 8 + 6], ax
        ret

isr_intx:
        push    eax
        mov     eax, [vio_isr]
        movzx   eax, byte [eax]                 ; reading clears it and lowers the line
        mov     [intx_isr], eax
        inc     dword [intx_count]
        mov     dword [LAPIC + 0xb0], 0         ; EOI
        pop     eax
        iretd

isr_msix:
        inc     dword [msix_count]
        mov     dword [LAPIC + 0xb0], 0
        iretd

        SERIAL_LIB p
%include "include/virtio.inc"

n_three:        db "three virtio-blk functions found by PCI scan, no fourth", 0
n_init:         db "disk 0 initialised (VERSION_1, INDIRECT_DESC, EVENT_IDX)", 0
n_capacity:     db "disk 0 capacity 8192 sectors", 0
n_serial0:      db "disk 0 get-id serial", 0
n_serial0b:     db "disk 0 get-id serial, second half", 0
n_flush:        db "flush OK", 0
n_indirect:     db "write through an indirect table OK", 0
n_read:         db "read OK", 0
n_indirect_data: db "data written through the indirect table read back", 0
n_past_end:     db "read past the end: IOERR", 0
n_unsupp:       db "unknown request type: UNSUPP", 0
n_rounds:       db "200 write/read-back rounds, data verified each time", 0
n_discard_offered: db "disk 1 offers DISCARD and WRITE_ZEROES", 0
n_init1:        db "disk 1 initialised with DISCARD and WRITE_ZEROES", 0
n_serial1:      db "disk 1 get-id serial", 0
n_wz:           db "write-zeroes OK", 0
n_wz_zero:      db "write-zeroes: the sector reads zeros", 0
n_wz_kept:      db "write-zeroes: the next sector is kept", 0
n_discard:      db "discard OK", 0
n_ro:           db "disk 2 (read-only): write is IOERR", 0
n_intx:         db "INTx delivered through the IOAPIC", 0
n_intx_isr:     db "INTx: ISR said queue interrupt", 0
n_msix_vec:     db "MSI-X: queue vector 1 accepted", 0
n_msix:         db "MSI-X delivered through the local APIC", 0
n_msix_no_intx: db "MSI-X: no INTx with MSI-X on", 0

        align   8
gdt:    dq      0
        dq      0x00cf9a000000ffff              ; 0x08: 32-bit code, flat
        dq      0x00cf92000000ffff              ; 0x10: data, flat
gdt_desc:
        dw      gdt_desc - gdt - 1
        dd      gdt
idt_desc:
        dw      256 * 8 - 1
        dd      idt
disk0:  dd      0
disk1:  dd      0
disk2:  dd      0
round:  dd      0
sector: dd      0
bad_rounds: dd  0
intx_count: dd  0
intx_isr:   dd  0
intx_before: dd 0
msix_count: dd  0
        align   8
idt:    times 256 dq 0
