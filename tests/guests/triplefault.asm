; Triple-fault test guest: loads an IDT with limit 0 and executes INT3.  The
; #BP cannot be delivered (#GP), neither can the #GP (#DF), nor the #DF: the
; vCPU shuts down.  MACROHARD must stop only this VM, report
; "stopped: triple fault" and dump its registers.  If the guest is still
; running afterwards, it says so and exits with status 1.

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
        o32 lidt [empty_idt]
        int3
        mov     esi, msg_alive
        call    real_puts
        call    real_drain
        mov     al, 1
        out     DEBUG_EXIT_PORT, al
.hang:
        cli
        hlt
        jmp     .hang

        SERIAL_LIB real

empty_idt:
        dw      0                       ; limit 0: no vector fits
        dd      0
msg_about:      db "PASS: triplefault: about to triple fault", 10, 0
msg_alive:      db "FAIL: triplefault: still running after INT3 with an empty IDT", 10, 0
