; Boot sector for running a test image (docs/testing.md, "Test images") on a
; bare PC emulator (QEMU, Bochs), without MACROHARD.  The disk holds this
; sector, then the image from LBA 1.  It loads IMAGE_SECTORS sectors at the
; header's load_gpa with INT 13h extensions, turns A20 on, and starts the image
; the way MACROHARD does: real mode, CS = DS = ES = SS = 0, IP = entry,
; SP = stack, other GPRs 0, interrupts off.
; Build: nasm -f bin -DIMAGE_SECTORS=N bootsect.asm (tests/guests/tools/mkdisk.sh).

%ifndef IMAGE_SECTORS
%error "define IMAGE_SECTORS"
%endif

CHUNK           equ 32                  ; sectors per INT 13h call (16 KiB)
HEADER          equ 0x0600              ; the image's first sector, to read its header

        bits    16
        org     0x7c00
start:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7c00
        sti
        cld
        mov     [drive], dl

        ; COM1: 115200 8N1 with FIFOs, as MACROHARD's UART behaves (Bochs
        ; starts with 5-bit characters)
        mov     si, uart_init
.uart:
        lodsw                           ; al = value, ah = register offset
        test    ah, ah
        jz      .uart_done
        mov     dx, 0x3f8
        add     dl, ah
        dec     dx                      ; offsets are stored + 1
        out     dx, al
        jmp     .uart
.uart_done:

        in      al, 0x92                ; fast A20
        or      al, 2
        and     al, 0xfe
        out     0x92, al

        ; the header first
        mov     word [dap_count], 1
        mov     word [dap_off], HEADER
        mov     word [dap_seg], 0
        mov     dword [dap_lba], 1
        call    read
        mov     si, HEADER
        mov     di, magic
        mov     cx, 8
        repe cmpsb
        jne     bad_image
        mov     eax, [HEADER + 8]       ; load_gpa
        test    eax, 0xfff0000f         ; below 1 MiB, paragraph-aligned
        jnz     bad_image
        shr     eax, 4
        mov     [dap_seg], ax

        ; then the whole image at load_gpa
        mov     word [dap_off], 0
        mov     dword [dap_lba], 1
        mov     bx, IMAGE_SECTORS
.chunk:
        mov     cx, CHUNK
        cmp     bx, cx
        jae     .go
        mov     cx, bx
.go:
        mov     [dap_count], cx
        call    read
        add     word [dap_seg], CHUNK * 512 / 16
        add     dword [dap_lba], CHUNK
        sub     bx, CHUNK
        ja      .chunk

        ; start it: real mode, CS = 0, IP = entry, SP = stack
        cli
        mov     eax, [HEADER + 12]      ; entry
        mov     [entry], ax
        mov     esp, [HEADER + 16]      ; stack
        xor     ax, ax
        mov     ss, ax
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        push    word 2                  ; FLAGS = 2
        popf
        xor     eax, eax
        xor     ebx, ebx
        xor     ecx, ecx
        xor     edx, edx
        xor     esi, esi
        xor     edi, edi
        xor     ebp, ebp
        jmp     far [entry]

; Reads [dap_count] sectors as the DAP says; stops with a message on error.
read:
        pusha
        mov     si, dap
        mov     ah, 0x42
        mov     dl, [drive]
        int     0x13
        popa
        jc      read_error
        ret

read_error:
        mov     si, msg_read
        jmp     fail
bad_image:
        mov     si, msg_image
fail:                                   ; message to COM1, then stop
        lodsb
        test    al, al
        jz      .hang
        mov     dx, 0x3f8
        out     dx, al
        jmp     fail
.hang:
        cli
        hlt
        jmp     .hang

; (value, register offset + 1) pairs, ended by a 0 offset.
uart_init:      db 0x80, 4              ; LCR: DLAB
                db 0x01, 1              ; divisor 1: 115200
                db 0x00, 2
                db 0x03, 4              ; LCR: 8N1
                db 0x07, 3              ; FCR: FIFOs on and cleared
                db 0x03, 5              ; MCR: DTR, RTS
                db 0, 0
magic:          db "MHTEST01"
msg_read:       db "bootsect: disk read error", 10, 0
msg_image:      db "bootsect: not an MHTEST01 image", 10, 0
drive:          db 0
entry:          dw 0, 0                 ; offset, segment 0
        align   4
dap:            db 16, 0
dap_count:      dw 0
dap_off:        dw 0
dap_seg:        dw 0
dap_lba:        dq 0

        times 510 - ($ - $$) db 0
        dw      0xaa55
