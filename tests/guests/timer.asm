; HC_TIMER test guest (docs/hypercalls.md): the same long-mode set-up as
; hypercall.asm (user segments, a TSS, CPL 3 entered with IRETQ and left with
; INT 0x80), then hypervisor time and the TSC frequency, every error of HC_TIMER,
; a one-shot timer, re-arm, cancel, HLT woken by a timer, coalescing, and the
; accuracy of a periodic 1 kHz timer over one second of guest TSC time (within 1 %).
; One PASS:/FAIL: line per check, an INFO: line with the busy-guest measurement,
; a SUMMARY line, then OUT 0xf4 (0 = all passed).

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"

HC_VERSION      equ 0x0001
HC_FEATURES     equ 0x0002
HC_TIMER        equ 0x0020
ERR_UNKNOWN     equ -1000
ERR_INVALID     equ -1001
ERR_NOTPERM     equ -1003
ERR_NOTFOUND    equ -1006
ERR_UNKNOWN_OP  equ -1007
FEAT_TIMER      equ 1 << 3
T_GET_TIME      equ 0
T_GET_TSC_FREQ  equ 1
T_ARM           equ 2
T_CANCEL        equ 3
T_PERIODIC      equ 0x100
T_MIN_NS        equ 10000
T_MAX_NS        equ 3600000000000
TVEC            equ 0x40                ; the periodic timer's vector
OVEC            equ 0x41                ; one-shot timers' vector
LVEC            equ 0x42                ; the long handler's vector
LONG_ROUNDS     equ 20

PML4            equ 0x100000
PDPT            equ 0x101000
PD              equ 0x102000            ; 0 .. 1 GiB in 2 MiB pages
PT              equ 0x103000            ; 2 .. 4 MiB in 4 KiB pages
PDPT_TOP        equ 0x104000            ; the page at 0x7FFFFFFFF000
PD_TOP          equ 0x105000
PT_TOP          equ 0x106000
TABLE_BYTES     equ 0x7000
USER_PAGE       equ 0x280000            ; user data and stack (2.5 MiB)
KERN_PAGE       equ 0x300000            ; supervisor only
RO_PAGE         equ 0x301000            ; user, read-only
UNMAPPED        equ 0x302000            ; not present
TOP_PHYS        equ 0x303000            ; backs the top canonical page
TOP_INSN        equ 0x00007ffffffffffd
KSTACK          equ 0x7f000             ; RSP0 for interrupts from CPL 3
USER_STACK      equ USER_PAGE + 0x1000

KCODE   equ 0x08
KDATA   equ 0x10
CODE32  equ 0x18
UDATA   equ 0x20 | 3
UCODE   equ 0x28 | 3
TSS_SEL equ 0x30

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
        lgdt    [gdt_desc]
        mov     eax, cr0
        or      eax, 1
        mov     cr0, eax
        jmp     dword CODE32:prot

        bits    32
prot:
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        ; Page tables: zero, then identity-map 1 GiB (user, writable) with
        ; 4 KiB pages for 2..4 MiB carrying the special pages.
        mov     edi, PML4
        mov     ecx, TABLE_BYTES / 4
        xor     eax, eax
        rep stosd
        mov     dword [PML4], PDPT | 7
        mov     dword [PML4 + 255 * 8], PDPT_TOP | 7
        mov     dword [PDPT], PD | 7
        mov     dword [PDPT_TOP + 511 * 8], PD_TOP | 7
        mov     dword [PD_TOP + 511 * 8], PT_TOP | 7
        mov     dword [PT_TOP + 511 * 8], TOP_PHYS | 7
        mov     edi, PD
        mov     eax, 0x87                       ; 2 MiB, user, writable, present
        mov     ecx, 512
.pd:    mov     [edi], eax
        add     eax, 0x200000
        add     edi, 8
        loop    .pd
        mov     dword [PD + 8], PT | 7
        mov     edi, PT
        mov     eax, 0x200007
        mov     ecx, 512
.pt:    mov     [edi], eax
        add     eax, 0x1000
        add     edi, 8
        loop    .pt
        mov     dword [PT + ((KERN_PAGE - 0x200000) >> 12) * 8], KERN_PAGE | 3
        mov     dword [PT + ((RO_PAGE - 0x200000) >> 12) * 8], RO_PAGE | 5
        mov     dword [PT + ((UNMAPPED - 0x200000) >> 12) * 8], 0
        mov     eax, PML4
        mov     cr3, eax
        mov     eax, cr4
        or      eax, 1 << 5                     ; PAE
        mov     cr4, eax
        mov     ecx, 0xc0000080
        rdmsr
        or      eax, 1 << 8                     ; LME
        wrmsr
        mov     eax, cr0
        or      eax, (1 << 31) | (1 << 16)      ; PG, WP
        mov     cr0, eax
        jmp     KCODE:long_entry

        MODE_LONG
long_entry:
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     rsp, MHTEST_STACK
        call    setup_idt
        mov     ecx, TVEC
        mov     rax, isr_periodic
        call    set_gate
        mov     ecx, OVEC
        mov     rax, isr_oneshot
        call    set_gate
        mov     ecx, LVEC
        mov     rax, isr_long
        call    set_gate
        ; TSS: RSP0 for the way back from CPL 3.
        mov     rax, KSTACK
        mov     [tss + 4], rax
        mov     rax, tss
        mov     [gdt_tss + 2], ax
        shr     rax, 16
        mov     [gdt_tss + 4], al
        mov     [gdt_tss + 7], ah
        mov     ax, TSS_SEL
        ltr     ax
        ; The native instruction: VMMCALL on AMD, VMCALL elsewhere; hc_other is the other one.
        xor     eax, eax
        cpuid
        cmp     ebx, 0x68747541                 ; "Auth"
        jne     .intel
        mov     byte [hc_native + 2], 0xd9
        mov     byte [hc_other + 2], 0xc1
.intel:
        ; The top canonical page holds a hypercall instruction in its last 3 bytes.
        mov     byte [TOP_PHYS + 0xffd], 0x0f
        mov     byte [TOP_PHYS + 0xffe], 0x01
        mov     al, [hc_native + 2]
        mov     [TOP_PHYS + 0xfff], al

        call    kernel_checks
        call    user_checks

        mov     esi, str_summary
        call    long_puts
        mov     eax, [pass_count]
        call    long_putdec
        mov     esi, str_passed
        call    long_puts
        mov     eax, [fail_count]
        call    long_putdec
        mov     esi, str_failed
        call    long_puts
        call    long_drain
        xor     eax, eax
        cmp     dword [fail_count], 0
        je      .out
        mov     al, 1
.out:   out     DEBUG_EXIT_PORT, al
.hang:  hlt
        jmp     .hang

%include "include/hc_runtime.inc"
; ------------------------------------------------------------------ timer helpers

; HC_TIMER: op, timer, ns, rsi (vector | flags); result in rax.
%macro TIMER 4
        mov     rbx, %1
        mov     rcx, %2
        mov     rdx, %3
        mov     rsi, %4
        mov     eax, HC_TIMER
        call    hc_native
%endmacro

; rax = the TSC (64 bits).
%macro RDTSC64 0
        rdtsc
        shl     rdx, 32
        or      rax, rdx
%endmacro

; rdi = tsc_hz / %1
%macro HZ_DIV 1
        mov     rax, [tsc_hz]
        xor     edx, edx
        mov     ecx, %1
        div     rcx
        mov     rdi, rax
%endmacro

; Reports the current check: PASS if lo <= got <= hi, printing got in decimal.
%macro EXPECT_RANGE 4                   ; name, got, lo, hi
        mov     r11, %2
        mov     [got], r11
        mov     r11, %3
        mov     [lo], r11
        mov     r11, %4
        mov     [hi], r11
        mov     esi, %%n
        call    report_range
[section .rodata]
%%n:    db      %1, 0
__SECT__
%endmacro

isr_periodic:
        inc     qword [ticks]
        iretq
isr_oneshot:
        ; The first two interrupted RIPs, so a check can say where an interrupt was taken.
        push    rax
        push    rbx
        mov     rax, [oneshot]
        cmp     rax, 2
        jae     .counted
        mov     rbx, [rsp + 16]
        mov     [oneshot_rip + rax * 8], rbx
.counted:
        inc     qword [oneshot]
        pop     rbx
        pop     rax
        iretq

; A handler that runs a few million instructions with IF = 0 and no exit: an entry while
; it runs (an interrupt delivered twice, or with IF = 0) is counted in long_reentered.
isr_long:
        push    rax
        inc     qword [long_entries]
        cmp     qword [long_busy], 0
        je      .first
        inc     qword [long_reentered]
.first: mov     qword [long_busy], 1
        mov     eax, 2000000
.spin:  dec     eax
        jnz     .spin
        mov     qword [long_busy], 0
        pop     rax
        iretq

; Busy-waits rdi TSC ticks, exiting to the hypervisor (CPUID) every time round,
; so pending timers are seen at once on both vendors.
spin_exits:
        push    rbx
        push    rcx
        push    rdx
        push    r8
        RDTSC64
        mov     r8, rax
.loop:  xor     eax, eax
        xor     ecx, ecx
        cpuid
        RDTSC64
        sub     rax, r8
        cmp     rax, rdi
        jb      .loop
        pop     r8
        pop     rdx
        pop     rcx
        pop     rbx
        ret

; Busy-waits rdi TSC ticks without exiting (PAUSE is not intercepted).
spin_quiet:
        push    rdx
        push    r8
        RDTSC64
        mov     r8, rax
.loop:  pause
        RDTSC64
        sub     rax, r8
        cmp     rax, rdi
        jb      .loop
        pop     r8
        pop     rdx
        ret

; esi = name; PASS if [lo] <= [got] <= [hi] (unsigned), with the value.
report_range:
        mov     rax, [got]
        cmp     rax, [lo]
        jb      .fail
        cmp     rax, [hi]
        ja      .fail
        inc     dword [pass_count]
        push    rsi
        mov     esi, str_pass
        call    long_puts
        pop     rsi
        call    long_puts
        mov     al, ' '
        call    long_putc
        mov     al, '('
        call    long_putc
        mov     rax, [got]
        call    long_putdec
        mov     esi, str_close
        call    long_puts
        ret
.fail:  inc     dword [fail_count]
        push    rsi
        mov     esi, str_fail
        call    long_puts
        pop     rsi
        call    long_puts
        mov     esi, str_got
        call    long_puts
        mov     rax, [got]
        call    long_putdec
        mov     esi, str_range
        call    long_puts
        mov     rax, [lo]
        call    long_putdec
        mov     esi, str_dots
        call    long_puts
        mov     rax, [hi]
        call    long_putdec
        mov     esi, str_close
        call    long_puts
        ret

; ------------------------------------------------------------------ checks

kernel_checks:
        ; Discovery.
        mov     eax, 0x40000001
        cpuid
        and     eax, FEAT_TIMER
        EXPECT  "cpl0: cpuid 0x40000001 has hc_feat_timer", rax, FEAT_TIMER
        mov     eax, HC_FEATURES
        call    hc_native
        and     eax, FEAT_TIMER
        EXPECT  "cpl0: hc_features has hc_feat_timer", rax, FEAT_TIMER

        ; The TSC frequency, and hypervisor time against the guest's TSC over 100 ms.
        TIMER   T_GET_TSC_FREQ, 0, 0, 0
        mov     [tsc_hz], rax
        xor     edx, edx
        mov     ecx, 1000
        div     rcx
        EXPECT_RANGE "cpl0: tsc frequency in khz", rax, 1000, 100000000
        TIMER   T_GET_TIME, 0, 0, 0
        mov     [t_a], rax
        RDTSC64
        mov     [tsc_a], rax
        HZ_DIV  10
        call    spin_quiet
        RDTSC64
        mov     [tsc_b], rax
        TIMER   T_GET_TIME, 0, 0, 0
        mov     [t_b], rax
        ; The TSC interval in ns (rdx:rax = ticks * 1e9 / hz) and the time interval, in us.
        mov     rax, [tsc_b]
        sub     rax, [tsc_a]
        mov     rcx, 1000000000
        mul     rcx
        div     qword [tsc_hz]
        mov     r9, rax                         ; ns by the TSC
        mov     rax, [t_b]
        sub     rax, [t_a]                      ; ns by hc_timer_get_time
        xor     edx, edx
        mov     ecx, 1000
        div     rcx
        mov     r10, rax                        ; us
        mov     rax, r9
        xor     edx, edx
        div     rcx
        mov     r9, rax                         ; us by the TSC
        mov     rax, r9
        xor     edx, edx
        mov     ecx, 100
        div     rcx
        mov     r8, r9
        add     r8, rax                         ; TSC us + 1 %
        EXPECT_RANGE "cpl0: hc_timer_get_time advances with the tsc (100 ms, in us, within 1 %)", r10, r9, r8

        ; Errors.
        TIMER   T_ARM, 4, 1000000, OVEC
        EXPECT  "cpl0: arm timer 4 -> not found", rax, ERR_NOTFOUND
        TIMER   T_ARM, -1, 1000000, OVEC
        EXPECT  "cpl0: arm timer all ones -> not found", rax, ERR_NOTFOUND
        TIMER   T_ARM, 0, 1000000, 31
        EXPECT  "cpl0: vector 31 -> invalid", rax, ERR_INVALID
        TIMER   T_ARM, 0, 1000000, 0
        EXPECT  "cpl0: vector 0 -> invalid", rax, ERR_INVALID
        TIMER   T_ARM, 0, 1000000, OVEC | 0x200
        EXPECT  "cpl0: reserved rsi bit -> invalid", rax, ERR_INVALID
        TIMER   T_ARM, 0, T_MIN_NS - 1, OVEC
        EXPECT  "cpl0: one-shot below 10 us -> invalid", rax, ERR_INVALID
        TIMER   T_ARM, 0, T_MIN_NS - 1, TVEC | T_PERIODIC
        EXPECT  "cpl0: period below 10 us -> invalid", rax, ERR_INVALID
        mov     r12, T_MAX_NS + 1
        TIMER   T_ARM, 0, r12, OVEC
        EXPECT  "cpl0: delay over one hour -> invalid", rax, ERR_INVALID
        TIMER   4, 0, 0, 0
        EXPECT  "cpl0: sub-operation 4 -> unknown op", rax, ERR_UNKNOWN_OP
        TIMER   -1, 0, 0, 0
        EXPECT  "cpl0: sub-operation all ones -> unknown op", rax, ERR_UNKNOWN_OP
        TIMER   T_CANCEL, 4, 0, 0
        EXPECT  "cpl0: cancel timer 4 -> not found", rax, ERR_NOTFOUND
        TIMER   T_CANCEL, 0, 0, 0
        EXPECT  "cpl0: cancel a disarmed timer -> 0", rax, 0
        TIMER   T_ARM, 3, T_MAX_NS, 255
        EXPECT  "cpl0: arm timer 3 for an hour on vector 255", rax, 0
        TIMER   T_CANCEL, 3, 0, 0
        EXPECT  "cpl0: cancel an armed timer -> 1", rax, 1

        ; A one-shot timer fires exactly once.
        mov     qword [oneshot], 0
        TIMER   T_ARM, 1, 1000000, OVEC
        EXPECT  "cpl0: arm a 1 ms one-shot timer", rax, 0
        sti
        HZ_DIV  50
        call    spin_exits                      ; 20 ms
        cli
        EXPECT  "cpl0: the one-shot timer fires exactly once", [oneshot], 1
        TIMER   T_CANCEL, 1, 0, 0
        EXPECT  "cpl0: ... and is disarmed after firing", rax, 0

        ; Nothing is delivered while IF = 0; then exactly one interrupt.
        mov     qword [oneshot], 0
        TIMER   T_ARM, 1, 1000000, OVEC
        HZ_DIV  100
        call    spin_exits                      ; 10 ms with IF = 0
        EXPECT  "cpl0: no interrupt while if = 0", [oneshot], 0
        sti
        nop
        nop
        cli
        EXPECT  "cpl0: ... delivered after sti", [oneshot], 1

        ; STI; HLT wakes on the timer.
        mov     qword [oneshot], 0
        RDTSC64
        mov     [tsc_a], rax
        TIMER   T_ARM, 1, 2000000, OVEC
        sti
        hlt
        cli
        RDTSC64
        sub     rax, [tsc_a]
        mov     [tsc_b], rax
        EXPECT  "cpl0: sti; hlt wakes on a 2 ms one-shot timer", [oneshot], 1
        HZ_DIV  505
        mov     r8, rdi                         ; 2 ms less 1 %
        HZ_DIV  10                              ; 100 ms
        EXPECT_RANGE "cpl0: ... after 2 ms to 100 ms (tsc ticks from before the call)", [tsc_b], r8, rdi

        ; Re-arming replaces the deadline: 1 s, then 1 ms.
        mov     qword [oneshot], 0
        mov     qword [oneshot_rip], 0
        mov     qword [oneshot_rip + 8], 0
        TIMER   T_ARM, 2, 1000000000, OVEC
        RDTSC64
        mov     [tsc_a], rax
        TIMER   T_ARM, 2, 1000000, OVEC
        mov     r13, rax
        sti
        hlt
.rearm_woken:
        cli
        RDTSC64
        sub     rax, [tsc_a]
        mov     [tsc_b], rax
        EXPECT  "cpl0: re-arm a timer", r13, 0
        EXPECT  "cpl0: the re-armed timer fires", [oneshot], 1
        EXPECT  "cpl0: ... and wakes the hlt (interrupted rip)", [oneshot_rip], .rearm_woken
        EXPECT  "cpl0: ... and nothing else is taken (second interrupted rip, 0 = none)", [oneshot_rip + 8], 0
        HZ_DIV  1010
        mov     r8, rdi                         ; 1 ms less 1 %
        HZ_DIV  10
        EXPECT_RANGE "cpl0: ... at the new deadline, 1 ms to 100 ms (tsc ticks from before the call)", [tsc_b], r8, rdi

        ; Each one-shot interrupt is taken once, however long its handler runs without an exit.
        mov     r12, LONG_ROUNDS
.long:  TIMER   T_ARM, 3, 1000000, LVEC
        sti
        hlt
        cli
        HZ_DIV  500
        call    spin_exits                      ; 2 ms for a second delivery to show
        dec     r12
        jnz     .long
        EXPECT  "cpl0: 20 one-shot interrupts with a long handler (no exit in it) taken 20 times", [long_entries], LONG_ROUNDS
        EXPECT  "cpl0: ... never entered while it runs (IF = 0)", [long_reentered], 0

        ; Missed periods coalesce: a 100 us periodic timer with IF = 0 for 10 ms gives one interrupt.
        mov     qword [ticks], 0
        TIMER   T_ARM, 0, 100000, TVEC | T_PERIODIC
        HZ_DIV  100
        call    spin_exits
        TIMER   T_CANCEL, 0, 0, 0
        EXPECT  "cpl0: cancel a periodic timer -> 1", rax, 1
        sti
        nop
        nop
        cli
        EXPECT  "cpl0: missed periods coalesce into one interrupt", [ticks], 1

        ; Accuracy: a periodic 1 kHz timer counted over one second of guest TSC time, halting between.
        mov     qword [ticks], 0
        TIMER   T_ARM, 0, 1000000, TVEC | T_PERIODIC
        EXPECT  "cpl0: arm a periodic 1 khz timer", rax, 0
        RDTSC64
        mov     r8, rax
        mov     r9, [tsc_hz]
        sti
.acc:   hlt
        RDTSC64
        sub     rax, r8
        cmp     rax, r9
        jb      .acc
        cli
        mov     r12, [ticks]
        TIMER   T_CANCEL, 0, 0, 0
        EXPECT_RANGE "cpl0: periodic 1 khz timer over one second of guest tsc (sti; hlt) within 1 %", r12, 990, 1010

        ; Cancel stops further interrupts.
        mov     qword [ticks], 0
        sti
        HZ_DIV  100
        call    spin_exits                      ; 10 ms
        cli
        EXPECT  "cpl0: no interrupt after cancel", [ticks], 0

        ; The same timer measured by a busy guest that never exits (reported, not checked).
        mov     qword [ticks], 0
        TIMER   T_ARM, 0, 1000000, TVEC | T_PERIODIC
        sti
        mov     rdi, [tsc_hz]
        call    spin_quiet
        cli
        TIMER   T_CANCEL, 0, 0, 0
        mov     esi, str_info
        call    long_puts
        mov     esi, str_busy
        call    long_puts
        mov     rax, [ticks]
        call    long_putdec
        mov     al, 10
        call    long_putc
        ret

user_checks:
        mov     r15, user_hc
        mov     eax, HC_TIMER
        mov     ebx, T_GET_TIME
        call    call_user
        EXPECT  "cpl3: hc_timer -> not permitted (kernel only)", rax, ERR_NOTPERM
        mov     eax, HC_TIMER
        mov     ebx, T_ARM
        xor     ecx, ecx
        mov     edx, 1000000
        mov     esi, OVEC
        call    call_user
        EXPECT  "cpl3: hc_timer_arm -> not permitted", rax, ERR_NOTPERM
        mov     r15, user_hc_other
        mov     eax, HC_VERSION
        xor     ebx, ebx
        call    call_user
        EXPECT  "cpl3: hc_version still works", rax, 0x10000
        ret

[section .rodata]
str_busy:       db "periodic 1 khz timer over one second of a busy guest (no exits): ", 0
__SECT__

; ------------------------------------------------------------------ data

        align   8
gdt:    dq      0
        dq      0x00af9a000000ffff      ; KCODE: 64-bit
        dq      0x00cf92000000ffff      ; KDATA
        dq      0x00cf9a000000ffff      ; CODE32
        dq      0x00cff2000000ffff      ; UDATA (DPL 3)
        dq      0x00affa000000ffff      ; UCODE: 64-bit, DPL 3
gdt_tss:
        dw      103, 0                  ; TSS: limit, base 15:0 (filled in)
        db      0, 0x89, 0, 0           ; base 23:16, available 64-bit TSS, base 31:24
        dd      0, 0                    ; base 63:32, reserved
gdt_end:
gdt_desc:
        dw      gdt_end - gdt - 1
        dd      gdt
idt_desc:
        dw      256 * 16 - 1
        dq      idt

        align   8
pass_count:     dd 0
fail_count:     dd 0
got:            dq 0
want:           dq 0
feat:           dq 0
r_rbx:          dq 0
tsc_hz:         dq 0
ticks:          dq 0
oneshot:        dq 0
oneshot_rip:    dq 0, 0
long_entries:   dq 0
long_busy:      dq 0
long_reentered: dq 0
t_a:            dq 0
t_b:            dq 0
tsc_a:          dq 0
tsc_b:          dq 0
lo:             dq 0
hi:             dq 0
saved_ksp:      dq 0
resume:         dq 0
exc_vec:        dq 0
exc_err:        dq 0
exc_rip:        dq 0

str_pass:       db "PASS: timer: ", 0
str_fail:       db "FAIL: timer: ", 0
str_info:       db "INFO: timer: ", 0
str_range:      db ", expected ", 0
str_dots:       db " .. ", 0
str_got:        db " (got ", 0
str_want:       db ", expected ", 0
str_close:      db ")", 10, 0
str_summary:    db "SUMMARY: ", 0
str_passed:     db " passed, ", 0
str_failed:     db " failed", 10, 0
str_unexpected: db "FAIL: timer: unexpected exception ", 0
str_at:         db " at ", 0

        section .rodata follows=.text
        section .bss follows=.rodata nobits align=16
tss:    resb    104
        alignb  16
idt:    resb    256 * 16
