; virtio-blk hostile-driver test guest (docs/virtio.md, "Validation"), for tests/configs/
; virtio.cfg: finds the virtio-blk functions by a PCI configuration scan, initialises the first
; and submits malicious requests — buffers outside RAM, in MMIO and over the queue's own rings,
; an oversized length, a descriptor loop, a head index past the queue, an indirect table inside
; an indirect table, a status byte outside RAM — and checks that each gets an error status or
; DEVICE_NEEDS_RESET; writes to the read-only disk fail and change nothing; after a reset a good
; write and read-back work.  PASS:/FAIL: lines, a SUMMARY, then isa-debug-exit (0 = all passed).

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"

CODE32  equ 0x08
DATA32  equ 0x10
OUTSIDE equ 0x40000000                  ; far above the VM's 16 MiB, below the PCI hole
IOAPIC  equ 0xfec00000
F_LO    equ 1 << 28                     ; VIRTIO_F_INDIRECT_DESC
F_HI    equ 1                           ; VIRTIO_F_VERSION_1 (bit 32)

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

        xor     ebx, ebx
        call    vio_find
        mov     [disk0], eax
        cmp     eax, -1
        setne   al
        movzx   eax, al
        mov     edx, 1
        mov     esi, n_found
        call    check
        cmp     dword [disk0], -1
        je      .end
        mov     eax, [disk0]
        call    vio_attach

        ; Negotiation: VERSION_1 is required.
        mov     eax, F_LO
        xor     edx, edx
        call    vio_init
        and     eax, 8
        xor     edx, edx
        mov     esi, n_nover1
        call    check
        call    reinit
        mov     edx, 0x0f
        mov     esi, n_init
        call    check

        ; A good request first.
        mov     eax, T_FLUSH
        xor     ecx, ecx
        call    vio_request
        call    expect_status_ok
        mov     esi, n_flush
        call    check

        ; Data buffers the device must not touch: error status, the queue keeps working.
        mov     esi, OUTSIDE
        call    read_into
        mov     esi, n_outside
        call    check
        mov     esi, IOAPIC
        call    read_into
        mov     esi, n_mmio
        call    check
        mov     esi, [vio_bar]
        call    read_into
        mov     esi, n_bar
        call    check
        mov     esi, QUSED
        call    read_into
        mov     esi, n_ring
        call    check
        movzx   eax, word [QUSED + 2]
        movzx   edx, word [vio_avail]
        mov     esi, n_ring_ok
        call    check
        mov     esi, 0x00fff000                 ; runs off the end of RAM
        mov     ecx, 0x2000
        mov     eax, T_IN
        xor     edx, edx
        mov     ebx, F_WRITE
        call    vio_request
        call    expect_status_ioerr
        mov     esi, n_offend
        call    check

        ; Broken chains: DEVICE_NEEDS_RESET (and the config interrupt in the ISR).
        mov     eax, [vio_isr]
        mov     al, [eax]                       ; clear the ISR
        mov     eax, T_OUT
        xor     edx, edx
        mov     esi, DATA
        mov     ecx, 0x10000000                 ; 256 MiB in one descriptor
        xor     ebx, ebx
        call    vio_request
        mov     edx, 2
        mov     esi, n_huge
        call    check
        mov     eax, [vio_isr]
        movzx   eax, byte [eax]
        and     eax, 2
        mov     edx, 2
        mov     esi, n_isr_cfg
        call    check
        call    reinit
        mov     edx, 0x0f
        mov     esi, n_reinit
        call    check

        xor     ecx, ecx                        ; 0 -> 1 -> 0
        mov     eax, HDR
        mov     edx, 16
        mov     ebx, F_NEXT | (1 << 16)
        call    vio_desc
        mov     ecx, 1
        mov     eax, DATA
        mov     ebx, F_NEXT | (0 << 16)
        call    vio_desc
        xor     eax, eax
        call    vio_submit
        mov     edx, 2
        mov     esi, n_loop
        call    check
        call    reinit

        mov     eax, 200                        ; head index past the queue
        call    vio_submit
        mov     edx, 2
        mov     esi, n_head
        call    check
        call    reinit

        xor     ecx, ecx                        ; next index past the queue
        mov     eax, HDR
        mov     edx, 16
        mov     ebx, F_NEXT | (QSIZE << 16)
        call    vio_desc
        xor     eax, eax
        call    vio_submit
        mov     edx, 2
        mov     esi, n_next
        call    check
        call    reinit

        mov     dword [QIND], QIND + 0x100      ; indirect table whose entry is indirect
        mov     dword [QIND + 4], 0
        mov     dword [QIND + 8], 16
        mov     dword [QIND + 12], F_INDIRECT
        xor     ecx, ecx
        mov     eax, QIND
        mov     edx, 16
        mov     ebx, F_INDIRECT
        call    vio_desc
        xor     eax, eax
        call    vio_submit
        mov     edx, 2
        mov     esi, n_nested
        call    check
        call    reinit

        xor     ecx, ecx                        ; the status byte outside RAM
        mov     eax, HDR
        mov     edx, 16
        mov     ebx, F_NEXT | (1 << 16)
        call    vio_desc
        mov     dword [HDR], T_FLUSH
        mov     ecx, 1
        mov     eax, OUTSIDE
        mov     edx, 1
        mov     ebx, F_WRITE
        call    vio_desc
        xor     eax, eax
        call    vio_submit
        mov     edx, 2
        mov     esi, n_status
        call    check
        call    reinit

        ; The read-only disk: a write fails and changes nothing.
        mov     ebx, 1
        call    vio_find
        mov     [disk1], eax
        cmp     eax, -1
        setne   al
        movzx   eax, al
        mov     edx, 1
        mov     esi, n_found_ro
        call    check
        cmp     dword [disk1], -1
        je      .good
        mov     eax, [disk1]
        call    vio_attach
        mov     ebx, [vio_common]
        mov     dword [ebx + CC_DFSEL], 0
        mov     eax, [ebx + CC_DF]
        and     eax, 1 << 5                     ; VIRTIO_BLK_F_RO
        mov     edx, 1 << 5
        mov     esi, n_ro_feature
        call    check
        call    reinit
        mov     edi, DATA
        mov     ecx, 512
        mov     eax, 0x11111111
        call    fill
        mov     eax, T_OUT
        xor     edx, edx
        mov     esi, DATA
        mov     ecx, 512
        xor     ebx, ebx
        call    vio_request
        call    expect_status_ioerr
        mov     esi, n_ro_write
        call    check
        mov     eax, T_IN
        xor     edx, edx
        mov     esi, DATA2
        mov     ecx, 512
        mov     ebx, F_WRITE
        call    vio_request
        call    expect_status_ok
        mov     esi, n_ro_read
        call    check
        mov     eax, [DATA2]
        or      eax, [DATA2 + 508]
        xor     edx, edx
        mov     esi, n_ro_unchanged
        call    check

.good:
        ; After all that, the first disk still serves a good write and read-back.
        mov     eax, [disk0]
        call    vio_attach
        call    reinit
        mov     edi, DATA
        mov     ecx, 4096
        mov     eax, 0xc0de0000
        call    fill
        mov     eax, T_OUT
        mov     edx, 9
        mov     esi, DATA
        mov     ecx, 4096
        xor     ebx, ebx
        call    vio_request
        call    expect_status_ok
        mov     esi, n_good_write
        call    check
        mov     eax, T_IN
        mov     edx, 9
        mov     esi, DATA2
        mov     ecx, 4096
        mov     ebx, F_WRITE
        call    vio_request
        call    expect_status_ok
        mov     esi, n_good_read
        call    check
        mov     esi, DATA
        mov     edi, DATA2
        mov     ecx, 1024
        repe    cmpsd
        mov     eax, ecx
        xor     edx, edx
        mov     esi, n_good_data
        call    check
.end:
        call    summary

; Resets and initialises the attached device with F_LO/F_HI; eax = status.
reinit:
        mov     eax, F_LO
        mov     edx, F_HI
        call    vio_init
        ret

; esi = buffer: an IN of one sector into it; eax = 0 when it completed with IOERR.
read_into:
        mov     eax, T_IN
        xor     edx, edx
        mov     ecx, 512
        mov     ebx, F_WRITE
        call    vio_request
        ; fall through
expect_status_ioerr:
        test    eax, eax
        jnz     .no
        movzx   eax, byte [STATUS]
        mov     edx, 1
        ret
.no:    add     eax, 0x100                      ; did not complete
        mov     edx, 1
        ret

; After vio_request: eax = the status byte when it completed (else 0x100 + result), edx = 0.
expect_status_ok:
        test    eax, eax
        jnz     .no
        movzx   eax, byte [STATUS]
        xor     edx, edx
        ret
.no:    add     eax, 0x100
        xor     edx, edx
        ret

        SERIAL_LIB p
%include "include/virtio.inc"

n_found:        db "virtio-blk function found by PCI scan", 0
n_nover1:       db "FEATURES_OK refused without VERSION_1", 0
n_init:         db "initialised with VERSION_1 and INDIRECT_DESC", 0
n_flush:        db "flush OK", 0
n_outside:      db "buffer outside guest RAM: IOERR", 0
n_mmio:         db "buffer on the IOAPIC: IOERR", 0
n_bar:          db "buffer on the device's own BAR: IOERR", 0
n_ring:         db "buffer over the used ring: IOERR", 0
n_ring_ok:      db "used ring intact after that", 0
n_offend:       db "buffer running off the end of RAM: IOERR", 0
n_huge:         db "256 MiB descriptor: DEVICE_NEEDS_RESET", 0
n_isr_cfg:      db "config-change bit in the ISR", 0
n_reinit:       db "reset and re-initialised", 0
n_loop:         db "descriptor loop: DEVICE_NEEDS_RESET", 0
n_head:         db "head index past the queue: DEVICE_NEEDS_RESET", 0
n_next:         db "next index past the queue: DEVICE_NEEDS_RESET", 0
n_nested:       db "indirect inside indirect: DEVICE_NEEDS_RESET", 0
n_status:       db "status byte outside RAM: DEVICE_NEEDS_RESET", 0
n_found_ro:     db "second (read-only) disk found", 0
n_ro_feature:   db "read-only disk offers VIRTIO_BLK_F_RO", 0
n_ro_write:     db "write to the read-only disk: IOERR", 0
n_ro_read:      db "read from the read-only disk OK", 0
n_ro_unchanged: db "read-only disk unchanged", 0
n_good_write:   db "after the reset: write OK", 0
n_good_read:    db "after the reset: read OK", 0
n_good_data:    db "after the reset: data read back", 0

        align   8
gdt:    dq      0
        dq      0x00cf9a000000ffff              ; 0x08: 32-bit code, flat
        dq      0x00cf92000000ffff              ; 0x10: data, flat
gdt_desc:
        dw      gdt_desc - gdt - 1
        dd      gdt
disk0:  dd      0
disk1:  dd      0
