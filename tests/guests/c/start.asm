; Entry of the C test guests (tests/guests/c/): the MHTEST01 header, the way from real mode to
; long mode, page tables with user pages (and one supervisor-only, one read-only and one
; unmapped page for bad-pointer checks), a GDT with user segments and a TSS, an IDT whose
; exception stubs report and end the test, interrupt stubs that call rt_irq(), and the CPL 3
; round trip: rt_user_call() enters with IRETQ, the user code leaves with INT 0x80.

%include "include/mhtest.inc"

PML4            equ 0x100000
PDPT            equ 0x101000
PD              equ 0x102000            ; 0 .. 1 GiB in 2 MiB pages, user, writable
PT              equ 0x103000            ; 2 .. 4 MiB in 4 KiB pages
TABLE_BYTES     equ 0x4000
KERN_PAGE       equ 0x300000            ; supervisor only (rt.h RT_KERN_PAGE)
RO_PAGE         equ 0x301000            ; user, read-only (RT_RO_PAGE)
UNMAPPED        equ 0x302000            ; not present (RT_UNMAPPED)
KSTACK_TOP      equ 0x1f0000            ; the kernel stack
RSP0_TOP        equ 0x1f8000            ; interrupts and INT 0x80 from CPL 3
USTACK_TOP      equ 0x2f0000            ; the user stack

KCODE   equ 0x08
KDATA   equ 0x10
CODE32  equ 0x18
UDATA   equ 0x20 | 3
UCODE   equ 0x28 | 3
TSS_SEL equ 0x30

        extern  rt_main, rt_exception, rt_irq
        extern  __bss_start, __bss_end
        global  entry, rt_user_call, rt_idt_set_irq, gdt_desc

        section .text.start progbits alloc exec
        bits    16
        MHTEST_HEADER entry
entry:
        cli
        cld
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     esp, MHTEST_STACK
        o32 lgdt [gdt_desc]
        mov     eax, cr0
        or      eax, 1
        mov     cr0, eax
        jmp     dword CODE32:prot

        align   16
gdt:    dq      0
        dq      0x00af9a000000ffff      ; KCODE: 64-bit
        dq      0x00cf92000000ffff      ; KDATA
        dq      0x00cf9a000000ffff      ; CODE32
        dq      0x00cff2000000ffff      ; UDATA: DPL 3
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

        bits    32
prot:
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     edi, PML4
        mov     ecx, TABLE_BYTES / 4
        xor     eax, eax
        rep stosd
        mov     dword [PML4], PDPT | 7
        mov     dword [PDPT], PD | 7
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

        bits    64
long_entry:
        mov     ax, KDATA
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     rsp, KSTACK_TOP
        ; .bss is not in the file.
        mov     rdi, __bss_start
        mov     rcx, __bss_end
        sub     rcx, rdi
        xor     eax, eax
        rep stosb
        ; TSS: RSP0 for the way back from CPL 3.
        mov     rax, RSP0_TOP
        mov     [tss + 4], rax
        mov     rax, tss
        mov     [gdt_tss + 2], ax
        shr     rax, 16
        mov     [gdt_tss + 4], al
        mov     [gdt_tss + 7], ah
        mov     ax, TSS_SEL
        ltr     ax
        call    setup_idt
        call    rt_main
        ; rt_main does not return (it ends the VM through isa-debug-exit).
.hang:  hlt
        jmp     .hang

setup_idt:
        xor     ecx, ecx
.next:  mov     rax, exc_stubs
        imul    rdx, rcx, 16
        add     rax, rdx
        call    set_gate
        inc     ecx
        cmp     ecx, 32
        jb      .next
        mov     ecx, 0x80
        mov     rax, user_return
        call    set_gate
        mov     byte [idt + 0x80 * 16 + 5], 0xee        ; DPL 3
        lidt    [idt_desc]
        ret

; ecx = vector, rax = handler: a 64-bit interrupt gate, DPL 0.
set_gate:
        push    rdi
        imul    rdi, rcx, 16
        add     rdi, idt
        mov     [rdi], ax
        mov     word [rdi + 2], KCODE
        mov     word [rdi + 4], 0x8e00
        shr     rax, 16
        mov     [rdi + 6], ax
        shr     rax, 16
        mov     [rdi + 8], eax
        mov     dword [rdi + 12], 0
        pop     rdi
        ret

; void rt_idt_set_irq(unsigned vector): vector (32-255, not 0x80) calls rt_irq(vector).
rt_idt_set_irq:
        mov     ecx, edi
        and     ecx, 0xff
        cmp     ecx, 32
        jb      .out
        cmp     ecx, 0x80
        je      .out
        lea     rax, [rcx - 32]
        imul    rax, rax, IRQ_STUB_SIZE
        add     rax, irq_stubs
        call    set_gate
.out:   ret

%define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)
        align   16
exc_stubs:
%assign v 0
%rep 32
        align   16
%if HAS_ERR(v) == 0
        push    qword 0
%endif
        push    qword v
        jmp     exc_common
%assign v v + 1
%endrep

; The frame: vector, error code, RIP, CS, RFLAGS, RSP, SS.  rt_exception reports and ends the VM.
exc_common:
        mov     rdi, rsp
        and     rsp, -16
        call    rt_exception
.hang:  hlt
        jmp     .hang

; Interrupt stubs: every caller-saved register is kept, so C code runs undisturbed.
IRQ_STUB_SIZE   equ 16
        align   16
irq_stubs:
%assign v 32
%rep 224
        push    qword v                         ; 2 bytes (v < 128) or 5
        jmp     near irq_common                 ; 5 bytes
        align   IRQ_STUB_SIZE
%assign v v + 1
%endrep

irq_common:
        push    rax
        push    rcx
        push    rdx
        push    rbx
        push    rsi
        push    rdi
        push    r8
        push    r9
        push    r10
        push    r11
        mov     rdi, [rsp + 10 * 8]             ; the vector
        mov     rbx, rsp                        ; callee-saved: rt_irq keeps it
        and     rsp, -16
        call    rt_irq
        mov     rsp, rbx
        pop     r11
        pop     r10
        pop     r9
        pop     r8
        pop     rdi
        pop     rsi
        pop     rbx
        pop     rdx
        pop     rcx
        pop     rax
        add     rsp, 8
        iretq

; long rt_user_call(long (*fn)(void *), void *arg): runs fn(arg) at CPL 3 (IOPL 3, so it may
; write the serial port; IF = 0) on the user stack and returns what it returned.
rt_user_call:
        push    rbx
        push    rbp
        push    r12
        push    r13
        push    r14
        push    r15
        mov     [saved_ksp], rsp
        push    qword UDATA
        push    qword USTACK_TOP
        push    qword 0x3002                    ; RFLAGS: IOPL 3, IF = 0
        push    qword UCODE
        push    qword user_entry
        iretq
user_entry:                                     ; CPL 3: rdi = fn, rsi = arg
        mov     rax, rdi
        mov     rdi, rsi
        call    rax
        int     0x80
user_return:                                    ; INT 0x80 gate (DPL 3): rax = result
        mov     rsp, [saved_ksp]
        pop     r15
        pop     r14
        pop     r13
        pop     r12
        pop     rbp
        pop     rbx
        ret

        section .bss
        alignb  16
saved_ksp:      resq    1
tss:            resb    104
        alignb  16
idt:            resb    256 * 16
