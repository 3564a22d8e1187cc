; UART test guest (docs/testing.md): the 16550A registers as Linux's 8250 driver probes them
; (scratch IER, loopback MSR 0x90 and echo, THRE reported by IIR and cleared by reading it,
; FIFO bits), then console input: it prints MH-INPUT-READY, reads one line from COM1 (the
; harness types a token) and prints it back as "uart: got TOKEN".  Polled, interrupts off.

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"

COM1_IER        equ COM1 + 1
COM1_IIR        equ COM1 + 2            ; FCR on write
COM1_LCR        equ COM1 + 3
COM1_MCR        equ COM1 + 4
COM1_MSR        equ COM1 + 6
LSR_DR          equ 0x01
INPUT_POLLS     equ 3000000             ; bounded wait for the typed line (each poll is an exit)
LINE_MAX        equ 60

        org     MHTEST_LOAD_GPA
        MHTEST_HEADER entry

; Reads port %1 into al, masks it with %2 and compares with %3; prints PASS/FAIL %4.
%macro EXPECT_IN 4
        mov     dx, %1
        in      al, dx
        and     al, %2
        cmp     al, %3
        mov     esi, %%name
        call    result
        jmp     %%over
%%name: db      %4, 0
%%over:
%endmacro

; Like EXPECT_IN for a byte saved at %1.
%macro EXPECT_MEM 4
        mov     al, [%1]
        and     al, %2
        cmp     al, %3
        mov     esi, %%name
        call    result
        jmp     %%over
%%name: db      %4, 0
%%over:
%endmacro

; Writes byte %2 to port %1.
%macro OUTB 2
        mov     dx, %1
        mov     al, %2
        out     dx, al
%endmacro

        MODE_REAL
entry:
        cli
        cld
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, MHTEST_STACK

        OUTB    COM1_LCR, 0x80          ; DLAB: 115200 baud
        OUTB    COM1, 1
        OUTB    COM1_IER, 0
        OUTB    COM1_LCR, 0x03          ; 8N1
        OUTB    COM1_IIR, 0x07          ; FIFOs on and cleared
        OUTB    COM1_MCR, 0x03          ; DTR, RTS

        OUTB    COM1_IER, 0x0f
        EXPECT_IN COM1_IER, 0xff, 0x0f, "uart: ier keeps bits 0-3"
        OUTB    COM1_IER, 0
        EXPECT_IN COM1_IER, 0xff, 0x00, "uart: ier reads back 0"
        EXPECT_IN COM1_IIR, 0xcf, 0xc1, "uart: iir shows fifos on, nothing pending"

        ; Nothing is printed between the reads below: a write to THR raises THRE again,
        ; and in loopback mode it would land in the receive FIFO.
        call    real_drain
        OUTB    COM1_IER, 0x02          ; THRE interrupt, THR empty
        mov     dx, COM1_IIR
        in      al, dx
        mov     [iir1], al
        in      al, dx
        mov     [iir2], al
        OUTB    COM1_IER, 0
        OUTB    COM1_MCR, 0x1a          ; Linux's autoconfig: LOOP | OUT2 | RTS
        mov     dx, COM1_MSR
        in      al, dx
        mov     [msr_loop], al
        OUTB    COM1, 'Z'
        mov     dx, COM1_LSR
        in      al, dx
        mov     [lsr_loop], al
        mov     dx, COM1
        in      al, dx
        mov     [rbr_loop], al
        OUTB    COM1_MCR, 0x03
        OUTB    COM1_IIR, 0x07          ; FIFOs cleared

        EXPECT_MEM iir1, 0x0f, 0x02, "uart: iir reports thr empty once enabled"
        EXPECT_MEM iir2, 0x0f, 0x01, "uart: reading iir cleared thr empty"
        EXPECT_MEM msr_loop, 0xf0, 0x90, "uart: loopback msr is 0x90 for mcr 0x1a"
        EXPECT_MEM lsr_loop, LSR_DR, LSR_DR, "uart: loopback byte arrives"
        EXPECT_MEM rbr_loop, 0xff, 'Z', "uart: loopback byte reads back"
        EXPECT_IN COM1_MSR, 0xf0, 0xb0, "uart: out of loopback: dcd, dsr, cts"
        EXPECT_IN COM1_LSR, LSR_DR, 0, "uart: nothing received after the loopback test"

        ; Console input: one line, typed by the harness.
        mov     esi, msg_ready
        call    real_puts
        xor     di, di                  ; bytes in line
        mov     ebx, INPUT_POLLS
.poll:
        mov     dx, COM1_LSR
        in      al, dx
        test    al, LSR_DR
        jnz     .byte
        dec     ebx
        jnz     .poll
        mov     esi, msg_timeout
        call    real_puts
        inc     byte [failed]
        jmp     .done
.byte:
        mov     dx, COM1
        in      al, dx
        cmp     al, 13
        je      .line
        cmp     al, 10
        je      .line
        cmp     di, LINE_MAX
        jae     .poll
        mov     [line + di], al
        inc     di
        jmp     .poll
.line:
        test    di, di
        jz      .poll                   ; an empty line (CR LF): keep reading
        mov     byte [line + di], 0
        mov     esi, msg_got
        call    real_puts
        mov     esi, line
        call    real_puts
        mov     al, 10
        call    real_putc
        mov     esi, msg_input
        call    real_puts
        inc     byte [passed]

.done:
        mov     esi, msg_summary
        call    real_puts
        movzx   eax, byte [passed]
        call    real_putdec
        mov     esi, msg_passed
        call    real_puts
        movzx   eax, byte [failed]
        call    real_putdec
        mov     esi, msg_failed
        call    real_puts
        call    real_drain
        xor     al, al
        cmp     byte [failed], 0
        je      .exit
        mov     al, 1
.exit:
        out     DEBUG_EXIT_PORT, al
.hang:
        jmp     .hang

; ZF = the check passed; esi = its name.  Prints PASS:/FAIL: and counts it.
result:
        push    esi
        jne     .fail
        inc     byte [passed]
        mov     esi, msg_pass
        jmp     .print
.fail:
        inc     byte [failed]
        mov     esi, msg_fail
.print:
        call    real_puts
        pop     esi
        call    real_puts
        mov     al, 10
        call    real_putc
        ret

        SERIAL_LIB real

msg_pass:       db "PASS: ", 0
msg_fail:       db "FAIL: ", 0
msg_ready:      db "MH-INPUT-READY", 10, 0
msg_timeout:    db "FAIL: uart: no input line within the poll limit", 10, 0
msg_got:        db "uart: got ", 0
msg_input:      db "PASS: uart: console input line received", 10, 0
msg_summary:    db "SUMMARY: ", 0
msg_passed:     db " passed, ", 0
msg_failed:     db " failed", 10, 0
iir1:           db 0
iir2:           db 0
msr_loop:       db 0
lsr_loop:       db 0
rbr_loop:       db 0
passed:         db 0
failed:         db 0
line:           times LINE_MAX + 1 db 0
