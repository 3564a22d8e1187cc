; Reset test guest: writes 6 (RST_CPU | SYS_RST) to port 0xCF9, the FADT's reset register
; (assembled with RESET_KBC, as reset_kbc.asm: command 0xFE to the 8042 instead), so
; MACROHARD must stop this VM with "reset requested by the guest" and start it again.  If the
; write returns, the guest says so and exits with status 1.

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"

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
        mov     esi, msg_about
        call    real_puts
        call    real_drain
%ifdef RESET_KBC
        mov     al, 0xfe
        out     0x64, al
%else
        mov     dx, 0xcf9
        mov     al, 0x06
        out     dx, al
%endif
        mov     esi, msg_alive
        call    real_puts
        call    real_drain
        mov     al, 1
        out     DEBUG_EXIT_PORT, al
.hang:
        jmp     .hang

        SERIAL_LIB real

%ifdef RESET_KBC
msg_about:      db "PASS: reset: 8042 command 0xfe pulses the reset line", 10, 0
msg_alive:      db "FAIL: reset: the 8042 reset command returned", 10, 0
%else
msg_about:      db "PASS: reset: writing 6 to the reset control register 0xcf9", 10, 0
msg_alive:      db "FAIL: reset: the write to 0xcf9 returned", 10, 0
%endif
