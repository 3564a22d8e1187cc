; Conformance test guest: checks MACROHARD from inside a VM in real mode, then
; 32-bit protected mode, then long mode -- CPUID, port and string I/O,
; exception round trips through its own IVT/IDT, MSRs, control registers,
; unassigned MMIO, #PF, #UD for every VMX/SVM instruction, system
; instructions (XSETBV, INVD, the TSC, RDPMC, MONITOR ...), descriptor-table
; registers, and the test device (testdev = on: MMIO emulation of every
; supported instruction form, the scratch port).  One PASS:/FAIL:/SKIP: line
; per check on COM1, a SUMMARY line, then OUT 0xf4 with 0 (nothing failed) or 1.  Off MACROHARD (no signature in CPUID 0x40000000)
; the hypervisor-specific checks SKIP; see docs/testing.md.

%include "include/mhtest.inc"
%include "include/mode.inc"
%include "include/serial.inc"
%include "include/report.inc"
%include "include/checks_cpuid.inc"
%include "include/checks_io.inc"
%include "include/checks_exc.inc"
%include "include/checks_cr.inc"
%include "include/checks_msr.inc"
%include "include/checks_mmio.inc"
%include "include/checks_nested.inc"
%include "include/checks_paging.inc"
%include "include/checks_sys.inc"
%include "include/checks_desc.inc"
%include "include/checks_testdev.inc"

; Memory this guest uses besides its image (guest RAM is at least 16 MiB).
PML4            equ 0x100000
PDPT            equ 0x101000
PD              equ 0x102000            ; four, one per GiB, 2 MiB pages
PT              equ 0x106000            ; 4 KiB pages for 2 MiB .. 4 MiB
NESTED_PAGE     equ 0x107000            ; operand page of the VMX/SVM probes
PF_PAGE         equ 0x300000            ; the one not-present 4 KiB page
RO_PAGE         equ 0x301000            ; the one read-only 4 KiB page
INVLPG_PAGE     equ 0x302000            ; remapped to INVLPG_ALT by an INVLPG check
INVLPG_ALT      equ 0x303000
PAGING_BYTES    equ 0x8000              ; PML4 .. NESTED_PAGE, zeroed first

CODE32          equ 0x08
DATA32          equ 0x10
CODE64          equ 0x18
GDT_ENTRIES     equ 8                   ; selector 0x48 is beyond the limit

RSTUB           equ 8                   ; bytes per real-mode exception stub
PSTUB           equ 16                  ; ... protected mode
LSTUB           equ 16                  ; ... long mode

; Vectors for which the CPU pushes an error code (protected and long mode).
%define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

; One stub per vector 0..31, each exactly %2 bytes: pushes an error code
; where the CPU does not (%1 = 1; never in real mode), then the vector.
%macro EXC_STUB 4
%%stub:
%if %1 && HAS_ERR(%4) == 0
        push    byte 0
%endif
        push    byte %4
        jmp     near %3
        times %2 - ($ - %%stub) db 0xcc
%endmacro

%macro EXC_STUBS 3
%assign v 0
%rep 32
        EXC_STUB %1, %2, %3, v
%assign v v + 1
%endrep
%endmacro

        org     MHTEST_LOAD_GPA
        section .text
        ; Real-mode code and everything it touches must stay below 64 KiB:
        ; real-mode code first, then the data, then the 32/64-bit code.
        section .rodata follows=.text align=16
        section .data follows=.rodata align=16
        section .text32 follows=.data align=16

        REPORT_DATA
        IO_DATA
        SYS_DATA
        DESC_DATA
        TD_DATA

        section .data
        align   8
gdt:    dq      0
        dq      0x00cf9a000000ffff      ; CODE32: base 0, 4 GiB, 32-bit
        dq      0x00cf92000000ffff      ; DATA32
        dq      0x00af9a000000ffff      ; CODE64
        dq      0, 0                    ; LDT_SEL (checks_desc.inc fills it in)
        dq      0, 0                    ; TSS_SEL
gdt_end:
gdt_desc:
        dw      gdt_end - gdt - 1
        dd      gdt
ivt_desc:
        dw      0x3ff
        dd      0
        align   8
idt32:  times 32 dq 0
idt32_desc:
        dw      32 * 8 - 1
        dd      idt32
        align   16
idt64:  times 32 * 2 dq 0
idt64_desc:
        dw      32 * 16 - 1
        dq      idt64
        align   8
cr_saved:       dq 0
msr_saved:      dq 0
nested_ptr:     dq NESTED_PAGE          ; VMXON/VMPTRLD/VMCLEAR operand
nested_out:     dq 0                    ; VMPTRST destination
        align   16
nested_desc:    times 16 db 0           ; INVEPT/INVVPID descriptor

        section .rodata
str_hello_mh:   db "conformance: MACROHARD signature found", 10, 0
str_hello_bare: db "conformance: no MACROHARD signature; hypervisor-specific checks SKIP", 10, 0
str_to_prot:    db "conformance: protected mode", 10, 0
str_to_long:    db "conformance: long mode", 10, 0

; ------------------------------------------------------------------ real mode

        section .text
        MHTEST_HEADER real_entry

        MODE_REAL
real_entry:
        cli
        cld
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, MHTEST_STACK
        mov     eax, real_data_end      ; real mode reaches only the first 64 KiB
        cmp     eax, 0x10000
        jbe     .fits
        mov     al, 3
        out     DEBUG_EXIT_PORT, al
        jmp     real_exc_nested
.fits:
        call    real_setup_ivt
        CPUID_DETECT
        mov     esi, str_hello_bare
        cmp     byte [under_mh], 0
        je      .hello
        mov     esi, str_hello_mh
.hello:
        call    real_puts

        CPUID_CHECKS real
        IO_CHECKS real
        STRING_IO_CHECKS real, "real"
        EXC_CHECKS real
        CR_CHECKS real
        SYS_CHECKS real
        DESC_CHECKS real
        TD_PORT_CHECKS real

        mov     esi, str_to_prot
        call    real_puts
        o32 lgdt [gdt_desc]
        mov     eax, cr0
        and     eax, 0x9fffffff         ; CD = NW = 0: caches on
        or      eax, 1                  ; PE
        mov     cr0, eax
        jmp     dword CODE32:prot_entry

; IVT entries 0..31 point at real_stubs (segment 0).
real_setup_ivt:
        xor     ebx, ebx
        mov     ax, real_stubs
.next:
        mov     [ebx * 4], ax
        mov     word [ebx * 4 + 2], 0
        add     ax, RSTUB
        inc     ebx
        cmp     ebx, 32
        jb      .next
        o32 lidt [ivt_desc]
        ret

real_stubs:
        EXC_STUBS 0, RSTUB, real_exc_common

; Stack: [bp+2] vector, [bp+4] IP, [bp+6] CS, [bp+8] FLAGS.
real_exc_common:
        push    bp
        mov     bp, sp
        cmp     byte [in_handler], 0
        jne     real_exc_nested
        cmp     dword [probe_resume], 0
        je      real_exc_unexpected
        push    eax
        mov     ax, [bp + 2]
        mov     [probe_vector], al
        movzx   eax, word [bp + 4]
        mov     [probe_rip], eax
        mov     dword [probe_rip + 4], 0
        mov     dword [probe_err], 0
        mov     dword [probe_err + 4], 0
        cmp     byte [probe_vector], 1
        jne     .resume
        mov     eax, dr6
        mov     [probe_dr6], eax
        and     word [bp + 8], 0xfeff   ; TF off
.resume:
        mov     ax, [probe_resume]
        mov     [bp + 4], ax
        mov     word [bp + 6], 0
        mov     dword [probe_resume], 0
        pop     eax
        pop     bp
        add     sp, 2
        iret
real_exc_unexpected:
        mov     byte [in_handler], 1
        mov     al, [bp + 2]
        movzx   ebx, word [bp + 4]
        jmp     real_unexpected
real_exc_nested:                        ; a fault while reporting one: stop
        mov     al, 3
        out     DEBUG_EXIT_PORT, al
.hang:
        cli
        hlt
        jmp     .hang

        SERIAL_LIB real
        REPORT_LIB real, "real", "real mode"
        IO_LIB real

; ------------------------------------------------------------------ protected mode

        section .text32
        MODE_PROT
prot_entry:
        mov     ax, DATA32
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     esp, MHTEST_STACK
        call    prot_setup_idt

        CPUID_CHECKS prot
        IO_CHECKS prot
        STRING_IO_CHECKS prot, "protected"
        EXC_CHECKS prot
        CR_CHECKS prot
        MSR_CHECKS prot
        MMIO_CHECKS prot, 0xfed00000, "fed00000"
        MMIO_CHECKS prot, 0xe0100000, "e0100000"
        call    prot_build_page_tables  ; also zeroes NESTED_PAGE
        NESTED_CHECKS prot
        SYS_CHECKS prot
        DESC_CHECKS prot
        TD_PORT_CHECKS prot
        TD_MMIO_CHECKS prot

        mov     esi, str_to_long
        call    prot_puts
        mov     eax, cr4
        or      eax, 1 << 5             ; PAE
        mov     cr4, eax
        mov     eax, PML4
        mov     cr3, eax
        mov     ecx, MSR_EFER
        rdmsr
        or      eax, 1 << 8             ; LME
        wrmsr
        mov     eax, cr0
        or      eax, 1 << 31            ; PG: long mode is active
        mov     cr0, eax
        jmp     CODE64:long_entry

prot_setup_idt:
        mov     edi, idt32
        mov     eax, prot_stubs
        mov     ecx, 32
.next:
        mov     edx, eax
        and     edx, 0xffff
        or      edx, CODE32 << 16
        mov     [edi], edx
        mov     edx, eax
        and     edx, 0xffff0000
        or      edx, 0x8e00             ; present, DPL 0, 32-bit interrupt gate
        mov     [edi + 4], edx
        add     eax, PSTUB
        add     edi, 8
        dec     ecx
        jnz     .next
        lidt    [idt32_desc]
        ret

; Identity map of the first 4 GiB with 2 MiB pages, except 2 MiB .. 4 MiB,
; which uses 4 KiB pages with PF_PAGE not present and RO_PAGE read-only.
prot_build_page_tables:
        mov     edi, PML4
        xor     eax, eax
        mov     ecx, PAGING_BYTES / 4
        rep stosd
        mov     dword [PML4], PDPT | 3
        mov     dword [PDPT + 0], (PD + 0x0000) | 3
        mov     dword [PDPT + 8], (PD + 0x1000) | 3
        mov     dword [PDPT + 16], (PD + 0x2000) | 3
        mov     dword [PDPT + 24], (PD + 0x3000) | 3
        xor     ecx, ecx
.pd:
        mov     eax, ecx
        shl     eax, 21
        or      eax, 0x83               ; present, writable, 2 MiB page
        mov     [PD + ecx * 8], eax
        inc     ecx
        cmp     ecx, 4 * 512
        jb      .pd
        mov     dword [PD + 8], PT | 3  ; 2 MiB .. 4 MiB: 4 KiB pages
        xor     ecx, ecx
.pt:
        mov     eax, ecx
        shl     eax, 12
        add     eax, 0x200000 | 3
        mov     [PT + ecx * 8], eax
        inc     ecx
        cmp     ecx, 512
        jb      .pt
        mov     dword [PT + ((PF_PAGE - 0x200000) >> 12) * 8], 0
        mov     dword [PT + ((RO_PAGE - 0x200000) >> 12) * 8], RO_PAGE | 1
        ret

prot_stubs:
        EXC_STUBS 1, PSTUB, prot_exc_common

; Stack: [ebp+4] vector, [ebp+8] error code, [ebp+12] EIP, [ebp+16] CS, [ebp+20] EFLAGS.
prot_exc_common:
        push    ebp
        mov     ebp, esp
        cmp     byte [in_handler], 0
        jne     prot_exc_nested
        cmp     dword [probe_resume], 0
        je      prot_exc_unexpected
        push    eax
        mov     eax, [ebp + 4]
        mov     [probe_vector], al
        mov     eax, [ebp + 12]
        mov     [probe_rip], eax
        mov     dword [probe_rip + 4], 0
        mov     eax, [ebp + 8]
        mov     [probe_err], eax
        mov     dword [probe_err + 4], 0
        cmp     byte [probe_vector], 14
        jne     .not_pf
        mov     eax, cr2
        mov     [probe_cr2], eax
        mov     dword [probe_cr2 + 4], 0
.not_pf:
        cmp     byte [probe_vector], 1
        jne     .resume
        mov     eax, dr6
        mov     [probe_dr6], eax
        and     dword [ebp + 20], ~0x100 ; TF off
.resume:
        mov     eax, [probe_resume]
        mov     [ebp + 12], eax
        mov     dword [probe_resume], 0
        pop     eax
        pop     ebp
        add     esp, 8
        iretd
prot_exc_unexpected:
        mov     byte [in_handler], 1
        mov     al, [ebp + 4]
        mov     ebx, [ebp + 12]
        jmp     prot_unexpected
prot_exc_nested:
        mov     al, 3
        out     DEBUG_EXIT_PORT, al
.hang:
        cli
        hlt
        jmp     .hang

        SERIAL_LIB prot
        REPORT_LIB prot, "prot", "protected mode"
        IO_LIB prot
        DESC_LIB prot
        TD_LIB prot

; ------------------------------------------------------------------ long mode

        MODE_LONG
long_entry:
        mov     ax, DATA32
        mov     ds, ax
        mov     es, ax
        mov     fs, ax
        mov     gs, ax
        mov     ss, ax
        mov     rsp, MHTEST_STACK
        call    long_setup_idt

        CPUID_CHECKS long
        IO_CHECKS long
        STRING_IO_CHECKS long, "long"
        EXC_CHECKS long
        CR_CHECKS long
        MSR_CHECKS long
        MMIO_CHECKS long, 0xfed00000, "fed00000"
        MMIO_CHECKS long, 0xe0100000, "e0100000"
        PAGING_CHECKS long
        NESTED_CHECKS long
        SYS_CHECKS long
        DESC_CHECKS long
        TD_PORT_CHECKS long
        TD_MMIO_CHECKS long
        jmp     long_summary

long_setup_idt:
        mov     edi, idt64
        mov     eax, long_stubs
        mov     ecx, 32
.next:
        mov     edx, eax
        and     edx, 0xffff
        or      edx, CODE64 << 16
        mov     [rdi], edx
        mov     edx, eax
        and     edx, 0xffff0000
        or      edx, 0x8e00             ; present, DPL 0, 64-bit interrupt gate
        mov     [rdi + 4], edx
        mov     qword [rdi + 8], 0      ; offset 63:32 = 0
        add     eax, LSTUB
        add     edi, 16
        dec     ecx
        jnz     .next
        lidt    [idt64_desc]
        ret

long_stubs:
        EXC_STUBS 1, LSTUB, long_exc_common

; Stack: [rbp+8] vector, [rbp+16] error code, [rbp+24] RIP, [rbp+32] CS, [rbp+40] RFLAGS.
long_exc_common:
        push    rbp
        mov     rbp, rsp
        cmp     byte [in_handler], 0
        jne     long_exc_nested
        cmp     qword [probe_resume], 0
        je      long_exc_unexpected
        push    rax
        mov     rax, [rbp + 8]
        mov     [probe_vector], al
        mov     rax, [rbp + 24]
        mov     [probe_rip], rax
        mov     rax, [rbp + 16]
        mov     [probe_err], rax
        cmp     byte [probe_vector], 14
        jne     .not_pf
        mov     rax, cr2
        mov     [probe_cr2], rax
.not_pf:
        cmp     byte [probe_vector], 1
        jne     .resume
        mov     rax, dr6
        mov     [probe_dr6], rax
        and     qword [rbp + 40], ~0x100 ; TF off
.resume:
        mov     rax, [probe_resume]
        mov     [rbp + 24], rax
        mov     qword [probe_resume], 0
        pop     rax
        pop     rbp
        add     rsp, 16
        iretq
long_exc_unexpected:
        mov     byte [in_handler], 1
        mov     al, [rbp + 8]
        mov     rbx, [rbp + 24]
        jmp     long_unexpected
long_exc_nested:
        mov     al, 3
        out     DEBUG_EXIT_PORT, al
.hang:
        cli
        hlt
        jmp     .hang

        SERIAL_LIB long
        REPORT_LIB long, "long", "long mode"
        IO_LIB long
        DESC_LIB long
        TD_LIB long

        section .data
real_data_end:                          ; the end of what real-mode code touches
