; Halt-with-interrupts-off test guest: CLI; HLT can never resume, so MACROHARD
; must stop this VM and report "stopped: halted with interrupts disabled".  If
; the HLT returns anyway, the guest says so and exits with status 1.

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
        cli
        hlt
        mov     esi, msg_alive
        call    real_puts
        call    real_drain
        mov     al, 1
        out     DEBUG_EXIT_PORT, al
.hang:                                  ; the exit port did nothing either
        jmp     .hang

        SERIAL_LIB real

msg_about:      db "PASS: haltoff: halting with interrupts off", 10, 0
msg_alive:      db "FAIL: haltoff: HLT with interrupts off returned", 10, 0
