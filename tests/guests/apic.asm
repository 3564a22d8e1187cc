; Local APIC test guest (docs/guest.md, "Interrupts"), for a VM with two vCPUs: CPUID and
; IA32_APIC_BASE, the xAPIC registers, self IPIs and their priority order, TPR blocking, ESR,
; the timer one-shot, periodic (counted over 100 ms of guest TSC) and TSC-deadline, the
; divide configuration, the IOAPIC and PIC at reset, then INIT-SIPI-SIPI to vCPU 1, which
; switches its APIC to x2APIC mode in real mode and sends vCPU 0 an IPI; a second INIT and
; SIPI restart it.  One PASS:/FAIL: line per check, a SUMMARY line, then OUT 0xf4
; (0 = all passed).

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"

LAPIC           equ 0xfee00000
IOAPIC          equ 0xfec00000
PML4            equ 0x100000
PDPT            equ 0x101000
PD0             equ 0x102000            ; four page directories: 0 .. 4 GiB in 2 MiB pages
TABLE_BYTES     equ 0x6000
TRAMP_A         equ 0x20000             ; start-up IPI vector 0x20
TRAMP_B         equ 0x21000             ; vector 0x21, the restart after a second INIT

V_ONESHOT       equ 0x40
V_PERIODIC      equ 0x41
V_DEADLINE      equ 0x42
V_SELF          equ 0x50
V_LOW           equ 0x51
V_FROM_AP       equ 0x52
V_TPR           equ 0x55
V_HIGH          equ 0x61
V_HCTIMER       equ 0x43
HC_TIMER        equ 0x0020
T_ARM           equ 2
V_SPURIOUS      equ 0xff

KCODE   equ 0x08
KDATA   equ 0x10
CODE32  equ 0x18
; hc_runtime.inc's CPL 3 helpers are not used here; their selectors only need to exist.
UDATA   equ 0x20 | 3
UCODE   equ 0x28 | 3
USER_STACK equ 0x80000

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
        ; Identity map of the low 4 GiB (the APIC pages are at its top).
        mov     edi, PML4
        mov     ecx, TABLE_BYTES / 4
        xor     eax, eax
        rep stosd
        mov     dword [PML4], PDPT | 3
        mov     dword [PDPT], (PD0 + 0x0000) | 3
        mov     dword [PDPT + 8], (PD0 + 0x1000) | 3
        mov     dword [PDPT + 16], (PD0 + 0x2000) | 3
        mov     dword [PDPT + 24], (PD0 + 0x3000) | 3
        mov     edi, PD0
        mov     eax, 0x83                       ; 2 MiB, writable, present
        xor     edx, edx
        mov     ecx, 2048
.pd:    mov     [edi], eax
        mov     [edi + 4], edx
        add     eax, 0x200000
        adc     edx, 0
        add     edi, 8
        loop    .pd
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
        or      eax, 1 << 31
        mov     cr0, eax
        jmp     KCODE:long_entry

        MODE_LONG
long_entry:
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     rsp, MHTEST_STACK
        ; The APIC pages are above 2 GiB, out of reach of a sign-extended disp32: r12 and r13
        ; hold their bases for the whole run (the interrupt handlers use r12 too).
        mov     r12d, LAPIC
        mov     r13d, IOAPIC
        call    setup_idt
%macro GATE 2
        mov     ecx, %1
        mov     rax, %2
        call    set_gate
%endmacro
        GATE    V_ONESHOT, isr_oneshot
        GATE    V_PERIODIC, isr_periodic
        GATE    V_DEADLINE, isr_deadline
        GATE    V_SELF, isr_self
        GATE    V_LOW, isr_low
        GATE    V_FROM_AP, isr_from_ap
        GATE    V_TPR, isr_tpr
        GATE    V_HIGH, isr_high
        GATE    V_SPURIOUS, isr_spurious
        GATE    V_HCTIMER, isr_hctimer
        ; The native hypercall instruction: VMMCALL on AMD, VMCALL elsewhere.
        xor     eax, eax
        cpuid
        cmp     ebx, 0x68747541                 ; "Auth"
        jne     .intel
        mov     byte [hc_native + 2], 0xd9
        mov     byte [hc_other + 2], 0xc1
.intel:

        call    discovery_checks
        call    register_checks
        call    ipi_checks
        call    timer_checks
        call    platform_checks
        call    ap_checks

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

; ------------------------------------------------------------------ helpers

; rax = the TSC (64 bits).
%macro RDTSC64 0
        rdtsc
        shl     rdx, 32
        or      rax, rdx
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

; rdi = [tsc_hz] / %1
%macro HZ_DIV 1
        mov     rax, [tsc_hz]
        xor     edx, edx
        mov     ecx, %1
        div     rcx
        mov     rdi, rax
%endmacro

; Interrupt handlers: each logs its vector (up to 32 entries) and writes EOI.
%macro LOG_ISR 2
%1:
        push    rax
        mov     rax, [log_n]
        cmp     rax, 32
        jae     %%full
        mov     byte [log + rax], %2
        inc     qword [log_n]
%%full:
        mov     dword [r12 + 0xb0], 0
        pop     rax
        iretq
%endmacro
        LOG_ISR isr_oneshot, V_ONESHOT
        LOG_ISR isr_deadline, V_DEADLINE
        LOG_ISR isr_self, V_SELF
        LOG_ISR isr_low, V_LOW
        LOG_ISR isr_from_ap, V_FROM_AP
        LOG_ISR isr_tpr, V_TPR
        LOG_ISR isr_high, V_HIGH
isr_periodic:
        inc     qword [ticks]
        mov     dword [r12 + 0xb0], 0
        iretq
isr_hctimer:                                    ; records whether its ISR bit is set, then EOI
        push    rax
        mov     eax, [r12 + 0x120]
        and     eax, 1 << (V_HCTIMER - 64)
        mov     [isr_seen], rax
        mov     rax, [log_n]
        cmp     rax, 32
        jae     .full
        mov     byte [log + rax], V_HCTIMER
        inc     qword [log_n]
.full:  mov     dword [r12 + 0xb0], 0
        pop     rax
        iretq
isr_spurious:                                   ; no EOI for the spurious vector
        inc     qword [spurious]
        iretq

; al = vector; rax = 1 if the log holds it, else 0.
logged:
        push    rcx
        movzx   ecx, al
        xor     eax, eax
        push    rdi
        xor     edi, edi
.next:  cmp     rdi, [log_n]
        jae     .done
        cmp     [log + rdi], cl
        je      .yes
        inc     rdi
        jmp     .next
.yes:   mov     eax, 1
.done:  pop     rdi
        pop     rcx
        ret

; Busy-waits rdi TSC ticks, exiting to the hypervisor (CPUID) every time round.
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

; Sends ICR = eax (low) to APIC ID ecx (xAPIC destination in ICR high).
send_ipi:
        shl     ecx, 24
        mov     [r12 + 0x310], ecx
        mov     [r12 + 0x300], eax
        ret

; Waits with sti; hlt until al's vector is logged, at most r9 TSC ticks (then rax = 0).
; rax = 1 if it came.  Another interrupt (or a periodic tick) only goes round again.
wait_vector:
        push    rbx
        push    r8
        mov     bl, al
        RDTSC64
        mov     r8, rax
.loop:  mov     al, bl
        call    logged
        test    eax, eax
        jnz     .done
        RDTSC64
        sub     rax, r8
        cmp     rax, r9
        jae     .timeout
        sti
        hlt
        cli
        jmp     .loop
.timeout:
        xor     eax, eax
.done:  pop     r8
        pop     rbx
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

discovery_checks:
        mov     eax, 1
        cpuid
        mov     eax, edx
        and     eax, 1 << 9
        EXPECT  "cpuid 1: apic present", rax, 1 << 9
        mov     eax, 1
        cpuid
        mov     eax, ecx
        and     eax, (1 << 21) | (1 << 24)
        EXPECT  "cpuid 1: x2apic and tsc-deadline offered", rax, (1 << 21) | (1 << 24)
        mov     eax, 0x40000000
        cpuid
        EXPECT  "cpuid 0x40000000: max leaf 0x40000010", rax, 0x40000010
        mov     eax, 0x40000010
        cpuid
        mov     [tsc_khz], rax
        EXPECT  "cpuid 0x40000010: apic timer 25000 khz", rbx, 25000
        mov     rax, [tsc_khz]
        imul    rax, rax, 1000
        mov     [tsc_hz], rax
        EXPECT_RANGE "cpuid 0x40000010: tsc khz", [tsc_khz], 1000, 100000000
        mov     ecx, 0x1b
        rdmsr
        EXPECT  "ia32_apic_base: 0xfee00000, enabled, bsp", rax, 0xfee00900
        ; Intel: leaf 0x15 gives the TSC as crystal * EBX / EAX, the crystal being the APIC
        ; timer's 25 MHz; in kHz within 0.01 %, computed in 32 bits as Linux does.
        xor     eax, eax
        cpuid
        cmp     ebx, 0x756e6547                 ; "Genu"
        jne     .not_intel
        cmp     eax, 0x16
        setae   al
        movzx   eax, al
        EXPECT  "cpuid 0: max basic leaf at least 0x16 (intel)", rax, 1
        mov     eax, 0x15
        cpuid
        mov     [count], rcx
        mov     ecx, eax
        mov     eax, 25000
        mul     ebx                             ; edx:eax = crystal kHz * numerator
        mov     [elapsed], rdx                  ; must be 0: Linux multiplies in 32 bits
        div     ecx
        mov     rbx, [tsc_khz]
        mov     rcx, rbx
        shr     rcx, 13                         ; about 0.012 %
        mov     rdx, rbx
        sub     rbx, rcx
        add     rdx, rcx
        EXPECT_RANGE "cpuid 0x15: crystal * numerator / denominator = tsc khz", rax, rbx, rdx
        EXPECT  "cpuid 0x15: crystal 25 mhz", [count], 25000000
        EXPECT  "cpuid 0x15: crystal khz * numerator fits 32 bits", [elapsed], 0
        mov     eax, 0x16
        cpuid
        mov     ebx, eax
        mov     rax, [tsc_khz]
        add     rax, 500                        ; rounded to MHz
        xor     edx, edx
        mov     ecx, 1000
        div     rcx
        EXPECT  "cpuid 0x16: base mhz = tsc mhz", rbx, rax
        ret
.not_intel:
        mov     esi, str_skip15
        call    long_puts
        ret

register_checks:
        mov     eax, [r12 + 0x20]
        EXPECT  "apic id 0", rax, 0
        mov     eax, [r12 + 0x30]
        EXPECT  "version 0x14, 7 lvt entries", rax, 0x00060014
        mov     eax, [r12 + 0xf0]
        EXPECT  "svr after reset 0xff", rax, 0xff
        mov     eax, [r12 + 0x350]
        EXPECT  "bsp lint0: extint (virtual wire)", rax, 0x700
        mov     dword [r12 + 0xf0], 0x100 | V_SPURIOUS
        mov     eax, [r12 + 0xf0]
        EXPECT  "svr: software-enabled", rax, 0x1ff
        mov     dword [r12 + 0x80], 0x20
        mov     eax, [r12 + 0x80]
        EXPECT  "tpr reads back", rax, 0x20
        mov     eax, [r12 + 0xa0]
        EXPECT  "ppr = tpr", rax, 0x20
        mov     dword [r12 + 0x80], 0
        mov     eax, 3
        mov     cr8, rax
        mov     eax, [r12 + 0x80]
        EXPECT  "cr8 write sets tpr bits 7:4", rax, 0x30
        mov     dword [r12 + 0x80], 0x50
        mov     rax, cr8
        EXPECT  "cr8 reads tpr bits 7:4", rax, 5
        xor     eax, eax
        mov     cr8, rax
        mov     dword [r12 + 0xd0], 0x01000000
        mov     eax, [r12 + 0xd0]
        EXPECT  "ldr reads back", rax, 0x01000000
        mov     ecx, 0x802
        mov     qword [resume], .gp
        rdmsr
        mov     qword [resume], 0
        mov     qword [exc_vec], 0
.gp:    mov     rax, [exc_vec]
        EXPECT  "x2apic msr in xapic mode: #gp", rax, 13
        ret

ipi_checks:
        ; A self IPI through the shorthand.
        mov     qword [log_n], 0
        mov     eax, 0x40000 | V_SELF
        xor     ecx, ecx
        call    send_ipi
        HZ_DIV  1000
        sti
        call    spin_exits
        cli
        mov     al, V_SELF
        call    logged
        EXPECT  "self ipi (shorthand self) delivered", rax, 1
        ; Two self IPIs while IF = 0: IRR holds both; the higher class comes first.
        mov     qword [log_n], 0
        mov     eax, V_LOW
        xor     ecx, ecx
        call    send_ipi
        mov     eax, V_HIGH
        xor     ecx, ecx
        call    send_ipi
        mov     eax, [r12 + 0x220]
        and     eax, 1 << (V_LOW - 64)
        EXPECT  "irr holds the low vector while if = 0", rax, 1 << (V_LOW - 64)
        mov     eax, [r12 + 0x230]
        and     eax, 1 << (V_HIGH - 96)
        EXPECT  "irr holds the high vector while if = 0", rax, 1 << (V_HIGH - 96)
        sti
        call    spin_exits
        cli
        movzx   eax, byte [log]
        EXPECT  "priority: the higher vector first", rax, V_HIGH
        movzx   eax, byte [log + 1]
        EXPECT  "priority: then the lower one", rax, V_LOW
        ; TPR blocks a class at or below it.
        mov     qword [log_n], 0
        mov     dword [r12 + 0x80], 0x50
        mov     eax, V_TPR
        xor     ecx, ecx
        call    send_ipi
        sti
        call    spin_exits
        cli
        mov     rax, [log_n]
        EXPECT  "tpr 0x50 holds vector 0x55 back", rax, 0
        mov     dword [r12 + 0x80], 0
        sti
        call    spin_exits
        cli
        mov     al, V_TPR
        call    logged
        EXPECT  "tpr 0: vector 0x55 delivered", rax, 1
        mov     eax, [r12 + 0x100 + 0x20]
        EXPECT  "isr empty after the eois", rax, 0
        ; An illegal vector: ESR reports it.
        mov     dword [r12 + 0x280], 0
        mov     eax, 0x40000 | 3
        xor     ecx, ecx
        call    send_ipi
        mov     dword [r12 + 0x280], 0
        mov     eax, [r12 + 0x280]
        EXPECT  "esr: send illegal vector", rax, 0x20
        mov     dword [r12 + 0x280], 0
        ; HC_TIMER once the APIC is software-enabled: a fixed APIC interrupt, in service until EOI.
        mov     qword [log_n], 0
        mov     eax, HC_TIMER
        mov     ebx, T_ARM
        xor     ecx, ecx
        mov     edx, 1000000
        mov     esi, V_HCTIMER
        call    hc_native
        EXPECT  "hc_timer arm (1 ms)", rax, 0
        mov     r9, [tsc_hz]
        mov     al, V_HCTIMER
        call    wait_vector
        EXPECT  "hc_timer with the apic enabled: delivered", rax, 1
        EXPECT  "hc_timer with the apic enabled: in service until eoi", [isr_seen], 1 << (V_HCTIMER - 64)
        mov     eax, [r12 + 0x120]
        EXPECT  "hc_timer with the apic enabled: isr clear after eoi", rax, 0
        ret

timer_checks:
        ; One-shot, divide by 1: 250000 ticks of 25 MHz = 10 ms.
        mov     qword [log_n], 0
        mov     dword [r12 + 0x3e0], 0xb
        mov     dword [r12 + 0x320], V_ONESHOT
        RDTSC64
        mov     [tsc_a], rax
        mov     dword [r12 + 0x380], 250000
        mov     eax, [r12 + 0x390]
        mov     [count], rax
        ; Nothing printed until it fires: console output exits too, and takes guest time.
        mov     rax, [tsc_hz]
        mov     r9, rax                         ; at most 1 s
        mov     al, V_ONESHOT
        call    wait_vector
        mov     rbx, rax
        RDTSC64
        sub     rax, [tsc_a]
        xor     edx, edx
        mov     rcx, [tsc_khz]
        div     rcx                             ; elapsed in ms
        mov     [elapsed], rax
        EXPECT_RANGE "one-shot: current count counts down from 250000", [count], 125000, 250000
        EXPECT  "one-shot: fires", rbx, 1
        EXPECT_RANGE "one-shot: 10 ms (ms elapsed)", [elapsed], 9, 30
        mov     eax, [r12 + 0x390]
        EXPECT  "one-shot: count 0 after it fired", rax, 0

        ; Divide configuration: the count falls 16 times slower at divide by 16.
        mov     dword [r12 + 0x320], 0x10000 | V_ONESHOT
        mov     dword [r12 + 0x380], 0xffffffff
        HZ_DIV  500                             ; 2 ms
        call    spin_exits
        mov     eax, [r12 + 0x390]
        mov     ecx, 0xffffffff
        sub     ecx, eax
        EXPECT_RANGE "divide by 1: ticks in 2 ms", rcx, 45000, 80000
        mov     dword [r12 + 0x3e0], 0x3
        mov     dword [r12 + 0x380], 0xffffffff
        call    spin_exits
        mov     eax, [r12 + 0x390]
        mov     ecx, 0xffffffff
        sub     ecx, eax
        EXPECT_RANGE "divide by 16: ticks in 2 ms", rcx, 2800, 5000
        mov     dword [r12 + 0x380], 0
        mov     dword [r12 + 0x3e0], 0xb

        ; Periodic, 25000 ticks = 1 ms, counted over 100 ms of guest TSC with sti; hlt.
        mov     qword [ticks], 0
        mov     dword [r12 + 0x320], 0x20000 | V_PERIODIC
        RDTSC64
        mov     [tsc_a], rax
        mov     dword [r12 + 0x380], 25000
        HZ_DIV  10
        mov     r9, rdi
.tick:  sti
        hlt
        cli
        RDTSC64
        sub     rax, [tsc_a]
        cmp     rax, r9
        jb      .tick
        mov     rbx, [ticks]
        EXPECT_RANGE "periodic 1 ms: ticks in 100 ms", rbx, 90, 110
        mov     dword [r12 + 0x380], 0
        ; A tick accepted just before the stop is still delivered; none after it.
        HZ_DIV  1000
        sti
        call    spin_exits
        cli
        mov     rbx, [ticks]
        HZ_DIV  200
        sti
        call    spin_exits
        cli
        sub     rbx, [ticks]
        EXPECT  "periodic: initial count 0 stops it", rbx, 0

        ; TSC-deadline, 10 ms ahead.
        mov     qword [log_n], 0
        mov     dword [r12 + 0x320], 0x40000 | V_DEADLINE
        mov     ecx, 0x6e0
        rdmsr
        EXPECT  "tsc_deadline reads 0 when disarmed", rax, 0
        HZ_DIV  100
        RDTSC64
        mov     [tsc_a], rax
        add     rax, rdi
        mov     [deadline], rax
        mov     rdx, rax
        shr     rdx, 32
        mov     ecx, 0x6e0
        wrmsr
        mov     ecx, 0x6e0
        rdmsr
        shl     rdx, 32
        or      rax, rdx
        mov     [count], rax
        mov     r9, [tsc_hz]
        mov     al, V_DEADLINE
        call    wait_vector
        mov     rbx, rax
        RDTSC64
        sub     rax, [tsc_a]
        xor     edx, edx
        mov     rcx, [tsc_khz]
        div     rcx
        mov     [elapsed], rax
        EXPECT  "tsc_deadline reads back", [count], [deadline]
        EXPECT  "tsc-deadline: fires", rbx, 1
        EXPECT_RANGE "tsc-deadline: 10 ms (ms elapsed)", [elapsed], 9, 30
        mov     ecx, 0x6e0
        rdmsr
        EXPECT  "tsc_deadline reads 0 after firing", rax, 0
        mov     dword [r12 + 0x320], 0x10000
        ret

platform_checks:
        mov     dword [r13], 1
        mov     eax, [r13 + 0x10]
        EXPECT  "ioapic version: 0x11, 24 entries", rax, 0x00170011
        mov     dword [r13], 0x10
        mov     eax, [r13 + 0x10]
        EXPECT  "ioapic entry 0 masked at reset", rax, 0x10000
        in      al, 0x21
        movzx   eax, al
        EXPECT  "pic: every input masked at reset", rax, 0xff
        ret

; INIT, INIT de-assert, then two start-up IPIs (SDM vol. 3, 8.4.4.1) to APIC 1.
start_ap:
        push    rax
        mov     eax, 0xc500                     ; INIT, level-triggered, assert
        mov     ecx, 1
        call    send_ipi
        mov     eax, 0x8500                     ; INIT de-assert
        mov     ecx, 1
        call    send_ipi
        HZ_DIV  100
        call    spin_exits
        pop     rax
        push    rax
        or      eax, 0x600                      ; start-up
        mov     ecx, 1
        call    send_ipi
        HZ_DIV  5000
        call    spin_exits
        pop     rax
        or      eax, 0x600
        mov     ecx, 1
        call    send_ipi
        ret

; Waits (sti, up to 2 s) for the trampoline at rbx to set its flag; rax = the flag.
wait_ap:
        push    r8
        RDTSC64
        mov     r8, rax
        sti
.loop:  movzx   eax, word [rbx + ap_flag - ap_tramp]
        cmp     eax, 0xa5a5
        je      .done
        push    rbx
        xor     eax, eax
        xor     ecx, ecx
        cpuid                                   ; an exit, so the hypervisor looks around
        pop     rbx
        RDTSC64
        sub     rax, r8
        mov     rcx, [tsc_hz]
        add     rcx, rcx
        cmp     rax, rcx
        jb      .loop
.done:  cli
        movzx   eax, word [rbx + ap_flag - ap_tramp]
        pop     r8
        ret

ap_checks:
        mov     rsi, ap_tramp
        mov     rdi, TRAMP_A
        mov     ecx, ap_tramp_end - ap_tramp
        rep movsb
        mov     rsi, ap_tramp
        mov     rdi, TRAMP_B
        mov     ecx, ap_tramp_end - ap_tramp
        rep movsb
        mov     qword [log_n], 0
        mov     eax, TRAMP_A >> 12
        call    start_ap
        mov     rbx, TRAMP_A
        call    wait_ap
        EXPECT  "init-sipi-sipi: vcpu 1 runs the trampoline", rax, 0xa5a5
        mov     eax, [TRAMP_A + ap_id - ap_tramp]
        EXPECT  "vcpu 1: cpuid initial apic id 1", rax, 1
        mov     eax, [TRAMP_A + ap_x2id - ap_tramp]
        EXPECT  "vcpu 1: x2apic id msr 1 (x2apic enabled in real mode)", rax, 1
        movzx   eax, word [TRAMP_A + ap_cs - ap_tramp]
        EXPECT  "vcpu 1: started at cs = vector << 8", rax, TRAMP_A >> 4
        mov     r9, [tsc_hz]
        mov     al, V_FROM_AP
        call    wait_vector
        EXPECT  "vcpu 1 -> vcpu 0 ipi (x2apic icr, physical destination 0)", rax, 1
        ; vCPU 1 now waits in cli; hlt: INIT and a start-up IPI restart it elsewhere.
        mov     qword [log_n], 0
        mov     eax, TRAMP_B >> 12
        call    start_ap
        mov     rbx, TRAMP_B
        call    wait_ap
        EXPECT  "second init-sipi: vcpu 1 restarted", rax, 0xa5a5
        movzx   eax, word [TRAMP_B + ap_cs - ap_tramp]
        EXPECT  "second init-sipi: at the new vector", rax, TRAMP_B >> 4
        mov     eax, [TRAMP_B + ap_cr0 - ap_tramp]
        EXPECT  "second init-sipi: cr0 0x60000010 (init state)", rax, 0x60000010
        mov     r9, [tsc_hz]
        mov     al, V_FROM_AP
        call    wait_vector
        EXPECT  "second init-sipi: the ipi again", rax, 1
        ret

; The application processor's start: real mode at CS = vector << 8, IP = 0.  It reports
; its IDs, switches its APIC to x2APIC mode, sends vector 0x52 to APIC 0 and parks.
        bits    16
ap_tramp:
        cli
        mov     ax, cs
        mov     ds, ax
        mov     [ap_cs - ap_tramp], ax
        mov     eax, cr0
        mov     [ap_cr0 - ap_tramp], eax
        mov     eax, 1
        cpuid
        shr     ebx, 24
        mov     [ap_id - ap_tramp], ebx
        mov     ecx, 0x1b
        rdmsr
        or      eax, 0xc00                      ; EN | EXTD
        wrmsr
        mov     ecx, 0x80f                      ; SVR
        mov     eax, 0x1ff
        xor     edx, edx
        wrmsr
        mov     ecx, 0x802                      ; x2APIC ID
        rdmsr
        mov     [ap_x2id - ap_tramp], eax
        mov     ecx, 0x830                      ; ICR: fixed, physical, to APIC 0
        mov     eax, V_FROM_AP
        xor     edx, edx
        wrmsr
        mov     word [ap_flag - ap_tramp], 0xa5a5
.park:  cli
        hlt
        jmp     .park
        align   4
ap_id:          dd 0xffffffff
ap_x2id:        dd 0xffffffff
ap_cr0:         dd 0
ap_cs:          dw 0
ap_flag:        dw 0
ap_tramp_end:
        MODE_LONG

[section .rodata]
__SECT__

; ------------------------------------------------------------------ data

        align   8
gdt:    dq      0
        dq      0x00af9a000000ffff      ; KCODE: 64-bit
        dq      0x00cf92000000ffff      ; KDATA
        dq      0x00cf9a000000ffff      ; CODE32
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
lo:             dq 0
hi:             dq 0
tsc_hz:         dq 0
tsc_khz:        dq 0
tsc_a:          dq 0
deadline:       dq 0
count:          dq 0
elapsed:        dq 0
ticks:          dq 0
spurious:       dq 0
isr_seen:       dq 0
log_n:          dq 0
log:            times 32 db 0
saved_ksp:      dq 0
resume:         dq 0
exc_vec:        dq 0
exc_err:        dq 0
exc_rip:        dq 0

str_pass:       db "PASS: apic: ", 0
str_fail:       db "FAIL: apic: ", 0
str_range:      db ", expected ", 0
str_dots:       db " .. ", 0
str_got:        db " (got ", 0
str_want:       db ", expected ", 0
str_close:      db ")", 10, 0
str_summary:    db "SUMMARY: ", 0
str_skip15:     db "SKIP: apic: cpuid 0x15/0x16 (the tsc leaves are for intel hosts; this is not one)", 10, 0
str_passed:     db " passed, ", 0
str_failed:     db " failed", 10, 0
str_unexpected: db "FAIL: apic: unexpected exception ", 0
str_at:         db " at ", 0

        section .rodata follows=.text
        section .bss follows=.rodata nobits align=16
        alignb  16
idt:    resb    256 * 16
