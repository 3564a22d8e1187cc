; XSAVE test guest: the x87, SSE and AVX registers get known values, then XSAVE,
; XRSTOR and XSAVEOPT (and XSAVEC when CPUID offers it) must round-trip them, put each
; at the place CPUID leaf 0xD gives, and write no more than the sizes CPUID 0xD.0 EBX
; and 0xD.1 EBX report for the current XCR0 (as Linux checks them, from the
; components' sizes, offsets and alignment).  Then IA32_TSC_ADJUST when CPUID offers
; it: it reads back what was written, writing it moves the TSC, and writing the TSC
; moves it.  One PASS:/FAIL:/SKIP: line per check, a SUMMARY line, then OUT 0xf4
; (0 = nothing failed).

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"

PML4            equ 0x100000
PDPT            equ 0x101000
PD              equ 0x102000            ; 0 .. 1 GiB in 2 MiB pages
AREA_BYTES      equ 0x4000              ; each XSAVE area (and what follows it, to check)
AREA_A          equ 0x200000
AREA_B          equ AREA_A + AREA_BYTES
AREA_C          equ AREA_B + AREA_BYTES
AREA_D          equ AREA_C + AREA_BYTES
SCRATCH         equ AREA_D + AREA_BYTES  ; registers stored for comparison
FILL            equ 0xa5                ; what an area holds where nothing was written
XMM_AT          equ 160                 ; XMM0 in the legacy region
MXCSR_AT        equ 24
ST0_AT          equ 32
XSTATE_BV_AT    equ 512
XCOMP_BV_AT     equ 520
MSR_TSC         equ 0x10
MSR_TSC_ADJUST  equ 0x3b
ADJ             equ 1 << 40             ; what the TSC_ADJUST checks add

KCODE   equ 0x08
KDATA   equ 0x10
CODE32  equ 0x18
UDATA   equ 0x20 | 3                    ; (hc_runtime.inc's CPL 3 round trip: unused here)
UCODE   equ 0x28 | 3
USER_STACK equ 0x7f000

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
        mov     edi, PML4
        mov     ecx, 0x3000 / 4
        xor     eax, eax
        rep stosd
        mov     dword [PML4], PDPT | 3
        mov     dword [PDPT], PD | 3
        mov     edi, PD
        mov     eax, 0x83                       ; 2 MiB, writable, present
        mov     ecx, 512
.pd:    mov     [edi], eax
        add     eax, 0x200000
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
        and     eax, ~((1 << 2) | (1 << 3))     ; EM, TS off
        or      eax, (1 << 31) | (1 << 1) | (1 << 5)   ; PG, MP, NE
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

        call    xsave_checks
        call    tsc_adjust_checks

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
        mov     eax, [skip_count]
        call    long_putdec
        mov     esi, str_skipped
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

; SKIP "name" "why": prints the line and counts it.
%macro SKIP 2
        mov     esi, %%n
        mov     edi, %%w
        call    report_skip
[section .rodata]
%%n:    db      %1, 0
%%w:    db      %2, 0
__SECT__
%endmacro

report_skip:
        inc     dword [skip_count]
        push    rsi
        mov     esi, str_skip
        call    long_puts
        pop     rsi
        call    long_puts
        mov     esi, str_open
        call    long_puts
        mov     esi, edi
        call    long_puts
        mov     esi, str_close
        call    long_puts
        ret

; rdi = area: AREA_BYTES of FILL, then a zero XSAVE header (XRSTOR of the standard
; format needs bytes 8..63 of the header clear; XSAVE writes only XSTATE_BV).
prepare_area:
        push    rdi
        mov     ecx, AREA_BYTES
        mov     al, FILL
        rep stosb
        pop     rdi
        push    rdi
        add     rdi, XSTATE_BV_AT
        xor     eax, eax
        mov     ecx, 64
        rep stosb
        pop     rdi
        ret

; r8 = XCR0: eax = the standard-format size, the end of the highest-placed enabled
; component (576 with x87 and SSE only).  Clobbers rbx, rcx, rdx, r9, r10.
standard_size:
        mov     r9d, 576
        mov     r10d, 2
.next:  bt      r8, r10
        jnc     .skip
        mov     eax, 0xd
        mov     ecx, r10d
        cpuid
        add     eax, ebx
        cmp     eax, r9d
        jbe     .skip
        mov     r9d, eax
.skip:  inc     r10d
        cmp     r10d, 63
        jb      .next
        mov     eax, r9d
        ret

; r8 = the components of a compacted area, r11 = a component (2..62), or 63 for the
; area's size: eax = its offset (each enabled component after the one before,
; rounded up to 64 where CPUID 0xD.i ECX[1] says so), or the size (the end of the
; last component, 576 if none).  Clobbers rbx, rcx, rdx, r9, r10, r12.
compacted_layout:
        mov     r9d, 576
        mov     r12d, 576
        mov     r10d, 2
.next:  bt      r8, r10
        jnc     .skip
        mov     eax, 0xd
        mov     ecx, r10d
        cpuid
        test    ecx, 2
        jz      .placed
        add     r9d, 63
        and     r9d, ~63
.placed:
        cmp     r10d, r11d
        je      .found
        add     r9d, eax
        mov     r12d, r9d
.skip:  inc     r10d
        cmp     r10d, 63
        jb      .next
        mov     eax, r12d
        ret
.found: mov     eax, r9d
        ret

; Gives the registers their known values: FCW, ST0, MXCSR, XMM0-15 (YMM0-15 with AVX).
load_known:
        finit
        fldcw   [fcw_known]
        fild    qword [st0_int]
        ldmxcsr [mxcsr_known]
        cmp     byte [have_avx], 0
        je      .sse
%assign r 0
%rep 16
        vmovdqu ymm%[r], [pattern + r * 32]
%assign r r + 1
%endrep
        ret
.sse:
%assign r 0
%rep 16
        movdqu  xmm%[r], [pattern + r * 32]
%assign r r + 1
%endrep
        ret

; Puts every register of load_known into other values.
clobber:
        finit
        ldmxcsr [mxcsr_default]
        cmp     byte [have_avx], 0
        je      .sse
        vzeroall
        ret
.sse:
%assign r 0
%rep 16
        pxor    xmm%[r], xmm%[r]
%assign r r + 1
%endrep
        ret

; rsi = area + offset of the 16-byte slots, rdi = the pattern (or pattern + 16):
; eax = how many of the 16 slots differ from the pattern's (stride 16 vs 32).
count_slots:
        push    rsi
        push    rdi
        push    rcx
        xor     eax, eax
        mov     edx, 16
.next:  mov     rcx, [rsi]
        cmp     rcx, [rdi]
        jne     .bad
        mov     rcx, [rsi + 8]
        cmp     rcx, [rdi + 8]
        je      .ok
.bad:   inc     eax
.ok:    add     rsi, 16
        add     rdi, 32
        dec     edx
        jnz     .next
        pop     rcx
        pop     rdi
        pop     rsi
        ret

; rsi = where, ecx = bytes: eax = how many are not FILL.
count_written:
        xor     eax, eax
        jecxz   .done
.next:  cmp     byte [rsi], FILL
        je      .same
        inc     eax
.same:  inc     rsi
        dec     ecx
        jnz     .next
.done:  ret

; rsi = area: eax = the registers that do not hold load_known's values (one bit each:
; 0 FCW, 1 ST0, 2 MXCSR, 3 XMM, 4 upper YMM halves).
registers_known:
        push    rbx
        xor     ebx, ebx
        fnstcw  [scratch_w]
        mov     ax, [scratch_w]
        cmp     ax, [fcw_known]
        je      .fcw
        or      ebx, 1
.fcw:   fld     st0
        fstp    tword [scratch_t]
        mov     rax, [scratch_t]
        cmp     rax, [st0_ref]
        jne     .st0bad
        mov     ax, [scratch_t + 8]
        cmp     ax, [st0_ref + 8]
        je      .st0
.st0bad:
        or      ebx, 2
.st0:   stmxcsr [scratch_w]
        mov     eax, [scratch_w]
        cmp     eax, [mxcsr_known]
        je      .mxcsr
        or      ebx, 4
.mxcsr:
        mov     rdi, SCRATCH
%assign r 0
%rep 16
        movdqu  [rdi + r * 16], xmm%[r]
%assign r r + 1
%endrep
        mov     rsi, rdi
        mov     rdi, pattern
        call    count_slots
        test    eax, eax
        jz      .xmm
        or      ebx, 8
.xmm:   cmp     byte [have_avx], 0
        je      .done
        mov     rdi, SCRATCH
%assign r 0
%rep 16
        vextractf128 [rdi + r * 16], ymm%[r], 1
%assign r r + 1
%endrep
        mov     rsi, rdi
        mov     rdi, pattern + 16
        call    count_slots
        test    eax, eax
        jz      .done
        or      ebx, 16
.done:  mov     eax, ebx
        pop     rbx
        ret

; rsi = a standard-format area saved after load_known: eax = the fields not at their
; CPUID places (bits as registers_known's; bit 5: XSTATE_BV lacks a component in use).
area_known:
        push    rbx
        push    rsi
        xor     ebx, ebx
        mov     ax, [rsi]
        cmp     ax, [fcw_known]
        je      .fcw
        or      ebx, 1
.fcw:   mov     rax, [rsi + ST0_AT]
        cmp     rax, [st0_ref]
        jne     .st0bad
        mov     ax, [rsi + ST0_AT + 8]
        cmp     ax, [st0_ref + 8]
        je      .st0
.st0bad:
        or      ebx, 2
.st0:   mov     eax, [rsi + MXCSR_AT]
        cmp     eax, [mxcsr_known]
        je      .mxcsr
        or      ebx, 4
.mxcsr:
        add     rsi, XMM_AT
        mov     rdi, pattern
        call    count_slots
        test    eax, eax
        jz      .xmm
        or      ebx, 8
.xmm:   mov     rsi, [rsp]
        mov     rax, [rsi + XSTATE_BV_AT]
        and     rax, [in_use]
        cmp     rax, [in_use]
        je      .bv
        or      ebx, 32
.bv:    cmp     byte [have_avx], 0
        je      .done
        add     rsi, [ymm_at]
        mov     rdi, pattern + 16
        call    count_slots
        test    eax, eax
        jz      .done
        or      ebx, 16
.done:  mov     eax, ebx
        pop     rsi
        pop     rbx
        ret

; ------------------------------------------------------------------ XSAVE

xsave_checks:
        mov     eax, 1
        cpuid
        bt      ecx, 26
        jc      .have
        SKIP    "xsave: all checks", "cpuid does not offer xsave"
        ret
.have:  mov     [cpuid1_ecx], ecx
        mov     rax, cr4
        or      eax, (1 << 9) | (1 << 10) | (1 << 18)   ; OSFXSR, OSXMMEXCPT, OSXSAVE
        mov     cr4, rax
        mov     eax, 1
        cpuid
        and     ecx, 1 << 27
        EXPECT  "xsave: cpuid 1 osxsave follows cr4", rcx, 1 << 27

        ; XCR0 = x87 | SSE, plus AVX where CPUID offers it in leaf 1 and leaf 0xD.
        mov     eax, 0xd
        xor     ecx, ecx
        cpuid
        mov     [xcr0_all], eax
        mov     [xcr0_all + 4], edx
        mov     r8d, 3
        bt      dword [cpuid1_ecx], 28
        jnc     .xcr0
        test    eax, 4
        jz      .xcr0
        mov     r8d, 7
        mov     byte [have_avx], 1
.xcr0:  mov     [xcr0], r8
        mov     [in_use], r8
        mov     eax, r8d
        xor     edx, edx
        xor     ecx, ecx
        xsetbv
        xor     ecx, ecx
        xgetbv
        shl     rdx, 32
        or      rax, rdx
        EXPECT  "xsave: xgetbv reads back xcr0", rax, [xcr0]
        cmp     byte [have_avx], 0
        jne     .avx
        SKIP    "xsave: avx state", "cpuid does not offer avx"
.avx:
        ; Where YMM_Hi128 sits in the standard format.
        mov     eax, 0xd
        mov     ecx, 2
        cpuid
        mov     [ymm_at], rbx

        ; CPUID 0xD.0 EBX follows XCR0: the sizes of x87|SSE and of the XCR0 above.
        xor     eax, eax
        mov     edx, 0
        mov     eax, 3
        xor     ecx, ecx
        xsetbv
        mov     eax, 0xd
        xor     ecx, ecx
        cpuid
        EXPECT  "xsave: cpuid 0xd.0 ebx is 576 for xcr0 x87|sse", rbx, 576
        mov     rax, [xcr0]
        xor     edx, edx
        xor     ecx, ecx
        xsetbv
        mov     r8, [xcr0]
        call    standard_size
        mov     [std_size], rax
        mov     eax, 0xd
        xor     ecx, ecx
        cpuid
        EXPECT  "xsave: cpuid 0xd.0 ebx is the end of the last enabled component", rbx, [std_size]

        ; XSAVE: known values at their places, nothing past the size.
        mov     rdi, AREA_A
        call    prepare_area
        call    load_known
        fld     st0
        fstp    tword [st0_ref]
        mov     rdi, AREA_A
        mov     eax, -1
        mov     edx, -1
        xsave64 [rdi]
        mov     rsi, AREA_A
        call    area_known
        EXPECT  "xsave: fcw, st0, mxcsr, xmm, ymm and xstate_bv at their places", rax, 0
        mov     rsi, AREA_A
        add     rsi, [std_size]
        mov     ecx, AREA_BYTES
        sub     ecx, [std_size]
        call    count_written
        EXPECT  "xsave: nothing written past cpuid 0xd.0 ebx", rax, 0

        ; XRSTOR: the registers come back.
        call    clobber
        call    registers_known
        cmp     eax, 0
        je      .not_clobbered
        mov     rdi, AREA_A
        mov     eax, -1
        mov     edx, -1
        xrstor64 [rdi]
        call    registers_known
        EXPECT  "xrstor: fcw, st0, mxcsr, xmm and ymm restored", rax, 0
        jmp     .restored
.not_clobbered:
        EXPECT  "xrstor: the registers were clobbered before the restore", rax, 0x1f
.restored:
        ; A second XSAVE of the restored state is the same image.
        mov     rdi, AREA_B
        call    prepare_area
        mov     eax, -1
        mov     edx, -1
        xsave64 [rdi]
        mov     rsi, AREA_B
        call    area_known
        EXPECT  "xsave after xrstor: the same values at their places", rax, 0

        ; XRSTOR with RFBM = x87 only leaves SSE/AVX alone; XSTATE_BV 0 puts x87 in its init state.
        call    clobber
        call    load_known
        mov     rdi, AREA_C
        call    prepare_area
        mov     eax, 1
        xor     edx, edx
        xrstor64 [rdi]
        fnstcw  [scratch_w]
        movzx   eax, word [scratch_w]
        EXPECT  "xrstor: xstate_bv 0 for x87 loads fcw 0x37f", rax, 0x37f
        stmxcsr [scratch_w]
        mov     eax, [scratch_w]
        mov     ecx, [mxcsr_known]
        EXPECT  "xrstor: rfbm x87 only keeps mxcsr", rax, rcx

        ; XSAVEOPT.
        mov     eax, 0xd
        mov     ecx, 1
        cpuid
        mov     [d1_eax], eax
        mov     [d1_ebx], ebx
        test    eax, 1
        jnz     .xsaveopt
        SKIP    "xsaveopt: round trip", "cpuid 0xd.1 does not offer xsaveopt"
        jmp     .xsavec
.xsaveopt:
        call    clobber
        mov     rdi, AREA_A
        mov     eax, -1
        mov     edx, -1
        xrstor64 [rdi]
        mov     rdi, AREA_C
        call    prepare_area
        mov     eax, -1
        mov     edx, -1
        xsaveopt64 [rdi]
        mov     rsi, AREA_C
        call    area_known
        EXPECT  "xsaveopt: fcw, st0, mxcsr, xmm, ymm and xstate_bv at their places", rax, 0
        mov     rsi, AREA_C
        add     rsi, [std_size]
        mov     ecx, AREA_BYTES
        sub     ecx, [std_size]
        call    count_written
        EXPECT  "xsaveopt: nothing written past cpuid 0xd.0 ebx", rax, 0
        ; Into the area last restored from: a register changed since must be updated.
        mov     rdi, AREA_A
        mov     eax, -1
        mov     edx, -1
        xrstor64 [rdi]
        pcmpeqb xmm3, xmm3
        mov     rdi, AREA_A
        mov     eax, -1
        mov     edx, -1
        xsaveopt64 [rdi]
        mov     rax, [AREA_A + XMM_AT + 3 * 16]
        and     rax, [AREA_A + XMM_AT + 3 * 16 + 8]
        EXPECT  "xsaveopt: a register changed after xrstor is saved", rax, -1
        mov     rax, [AREA_A + XMM_AT + 4 * 16]
        EXPECT  "xsaveopt: the other registers keep their values", rax, [pattern + 4 * 32]

.xsavec:
        test    dword [d1_eax], 2
        jnz     .have_xsavec
        SKIP    "xsavec: round trip and compacted layout", "cpuid 0xd.1 does not offer xsavec"
        jmp     .all
.have_xsavec:
        mov     r8, [xcr0]
        mov     r11d, 63
        call    compacted_layout
        mov     [cmp_size], rax
        EXPECT  "xsavec: cpuid 0xd.1 ebx is the compacted size for xcr0", [d1_ebx], [cmp_size]
        mov     r8, [xcr0]
        mov     r11d, 2
        call    compacted_layout
        mov     [cmp_ymm_at], rax
        call    load_known
        mov     rdi, AREA_D
        call    prepare_area
        mov     eax, -1
        mov     edx, -1
        xsavec64 [rdi]
        mov     rax, [AREA_D + XCOMP_BV_AT]
        mov     rbx, [xcr0]
        bts     rbx, 63
        EXPECT  "xsavec: xcomp_bv is bit 63 | xcr0", rax, rbx
        mov     rsi, AREA_D
        add     rsi, XMM_AT
        mov     rdi, pattern
        call    count_slots
        EXPECT  "xsavec: xmm registers at 160", rax, 0
        cmp     byte [have_avx], 0
        je      .xsavec_end
        mov     rsi, AREA_D
        add     rsi, [cmp_ymm_at]
        mov     rdi, pattern + 16
        call    count_slots
        EXPECT  "xsavec: upper ymm halves at the compacted offset", rax, 0
.xsavec_end:
        mov     rsi, AREA_D
        add     rsi, [cmp_size]
        mov     ecx, AREA_BYTES
        sub     ecx, [cmp_size]
        call    count_written
        EXPECT  "xsavec: nothing written past cpuid 0xd.1 ebx", rax, 0
        call    clobber
        mov     rdi, AREA_D
        mov     eax, -1
        mov     edx, -1
        mov     qword [resume], .xrstorc_fault  ; an exception fails this check only
        xrstor64 [rdi]
        mov     qword [resume], 0
        call    registers_known
        jmp     .xrstorc_report
.xrstorc_fault:
        mov     eax, 0x100                      ; 0x100 | the vector
        or      rax, [exc_vec]
.xrstorc_report:
        EXPECT  "xsavec: xrstor of the compacted area restores the registers", rax, 0

.all:
        ; Every component CPUID offers (what a kernel such as Linux enables, and more):
        ; the sizes CPUID reports must match the layout of the sub-leaves.
        mov     r8, [xcr0_all]
        call    standard_size
        mov     [std_size], rax
        cmp     rax, AREA_BYTES - 256
        jbe     .fits
        SKIP    "xsave: every component", "its area is larger than this guest's buffers"
        jmp     .back
.fits:  mov     rax, [xcr0_all]
        mov     rdx, rax
        shr     rdx, 32
        xor     ecx, ecx
        xsetbv
        mov     eax, 0xd
        xor     ecx, ecx
        cpuid
        mov     [d0_ecx], rcx
        EXPECT  "xsave: every component: cpuid 0xd.0 ebx is the end of the last one", rbx, [std_size]
        EXPECT  "xsave: every component: cpuid 0xd.0 ecx is the same", [d0_ecx], [std_size]
        mov     rdi, AREA_B
        call    prepare_area
        mov     eax, -1
        mov     edx, -1
        xsave64 [rdi]
        mov     rsi, AREA_B
        add     rsi, [std_size]
        mov     ecx, AREA_BYTES
        sub     ecx, [std_size]
        call    count_written
        EXPECT  "xsave: every component: nothing written past cpuid 0xd.0 ebx", rax, 0
        test    dword [d1_eax], 2
        jz      .back
        mov     r8, [xcr0_all]
        mov     r11d, 63
        call    compacted_layout
        mov     [cmp_size], rax
        mov     eax, 0xd
        mov     ecx, 1
        cpuid
        EXPECT  "xsavec: every component: cpuid 0xd.1 ebx is the compacted size", rbx, [cmp_size]
        mov     rdi, AREA_C
        call    prepare_area
        mov     eax, -1
        mov     edx, -1
        xsavec64 [rdi]
        mov     rsi, AREA_C
        add     rsi, [cmp_size]
        mov     ecx, AREA_BYTES
        sub     ecx, [cmp_size]
        call    count_written
        EXPECT  "xsavec: every component: nothing written past cpuid 0xd.1 ebx", rax, 0
.back:  mov     rax, [xcr0]
        xor     edx, edx
        xor     ecx, ecx
        xsetbv
        ret

; ------------------------------------------------------------------ IA32_TSC_ADJUST

; rax = the TSC (64 bits).
%macro RDTSC64 0
        rdtsc
        shl     rdx, 32
        or      rax, rdx
%endmacro

%macro WRMSR64 2                        ; msr, value register
        mov     rax, %2
        mov     rdx, %2
        shr     rdx, 32
        mov     ecx, %1
        wrmsr
%endmacro

%macro RDMSR64 1
        mov     ecx, %1
        rdmsr
        shl     rdx, 32
        or      rax, rdx
%endmacro

tsc_adjust_checks:
        mov     eax, 7
        xor     ecx, ecx
        cpuid
        bt      ebx, 1
        jc      .have
        SKIP    "tsc_adjust: all checks", "cpuid 7 does not offer ia32_tsc_adjust"
        ret
.have:  RDMSR64 MSR_TSC_ADJUST
        mov     [adj0], rax
        RDTSC64
        mov     r12, rax
        mov     r13, ADJ
        add     r13, [adj0]
        WRMSR64 MSR_TSC_ADJUST, r13
        RDTSC64
        sub     rax, r12
        mov     [moved], rax
        RDMSR64 MSR_TSC_ADJUST
        sub     rax, [adj0]
        mov     rbx, ADJ
        EXPECT  "tsc_adjust: reads back what was written", rax, rbx
        ; The TSC moved by what was added (plus the little time the writes took).
        mov     rax, [moved]
        mov     rbx, ADJ
        cmp     rax, rbx
        jb      .bad_move
        sub     rax, rbx
        mov     rbx, 1 << 32
        cmp     rax, rbx
        jae     .bad_move
        xor     eax, eax
.bad_move:
        EXPECT  "tsc_adjust: writing it moves the tsc by as much", rax, 0
        ; Writing the TSC back by ADJ takes TSC_ADJUST back by as much (SDM 17.17.3).
        RDTSC64
        mov     r12, rax
        mov     rbx, ADJ
        sub     r12, rbx
        WRMSR64 MSR_TSC, r12
        RDMSR64 MSR_TSC_ADJUST
        sub     rax, [adj0]
        ; Left: the time between the RDTSC and the WRMSR, taken off once, a small
        ; negative number.
        neg     rax
        mov     rbx, 1 << 32
        cmp     rax, rbx
        jb      .small
        mov     rax, -1
        jmp     .report
.small: xor     eax, eax
.report:
        EXPECT  "tsc_adjust: writing the tsc moves it by as much", rax, 0
        ret

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
skip_count:     dd 0
got:            dq 0
want:           dq 0
saved_ksp:      dq 0
resume:         dq 0
exc_vec:        dq 0
exc_err:        dq 0
exc_rip:        dq 0
xcr0:           dq 0
xcr0_all:       dq 0
in_use:         dq 0
ymm_at:         dq 0
std_size:       dq 0
cmp_size:       dq 0
cmp_ymm_at:     dq 0
d0_ecx:         dq 0
d1_eax:         dq 0
d1_ebx:         dq 0
cpuid1_ecx:     dq 0
adj0:           dq 0
moved:          dq 0
st0_int:        dq 0x0123456789abcdef
st0_ref:        dq 0, 0                 ; ST0 as FSTP stored it (80 bits)
scratch_t:      dq 0, 0
scratch_w:      dq 0
fcw_known:      dw 0x027f               ; double precision: not the reset value 0x037f
                dw 0
mxcsr_known:    dd 0x3f80               ; round down, exceptions masked
mxcsr_default:  dd 0x1f80
have_avx:       db 0
        align   32
pattern:                                ; YMM0..15: 16 x 32 bytes, none zero
%assign k 0
%rep 512
        db      ((k * 37 + 11) % 251) + 1
%assign k k + 1
%endrep

str_pass:       db "PASS: ", 0
str_fail:       db "FAIL: ", 0
str_skip:       db "SKIP: ", 0
str_open:       db " (", 0
str_got:        db " (got ", 0
str_want:       db ", expected ", 0
str_close:      db ")", 10, 0
str_summary:    db "SUMMARY: ", 0
str_passed:     db " passed, ", 0
str_failed:     db " failed, ", 0
str_skipped:    db " skipped", 10, 0
str_unexpected: db "FAIL: xsave: unexpected exception ", 0
str_at:         db " at ", 0

        section .rodata follows=.text
        section .bss follows=.rodata nobits align=16
idt:    resb    256 * 16
