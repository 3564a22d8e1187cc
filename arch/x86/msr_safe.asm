; MSR access that survives #GP, and a register snapshot for panic dumps.
; Position independent: the same object links into the UEFI and Multiboot2 images.
default rel
bits 64
section .text

; int rdmsr_safe(u32 msr [rdi], u64 *value [rsi])
global rdmsr_safe, arch_rdmsr_safe_insn, arch_rdmsr_safe_fixup
rdmsr_safe:
	mov ecx, edi
arch_rdmsr_safe_insn:
	rdmsr
	shl rdx, 32
	or rax, rdx
	mov [rsi], rax
	xor eax, eax
	ret
arch_rdmsr_safe_fixup:
	mov eax, -5		; -EIO
	ret

; int wrmsr_safe(u32 msr [rdi], u64 value [rsi])
global wrmsr_safe, arch_wrmsr_safe_insn, arch_wrmsr_safe_fixup
wrmsr_safe:
	mov ecx, edi
	mov eax, esi
	mov rdx, rsi
	shr rdx, 32
arch_wrmsr_safe_insn:
	wrmsr
	xor eax, eax
	ret
arch_wrmsr_safe_fixup:
	mov eax, -5
	ret

; void arch_capture_regs(struct exception_frame *f [rdi])
; Field offsets follow struct exception_frame in arch/x86/exception.h.
global arch_capture_regs
arch_capture_regs:
	mov [rdi + 0*8], r15
	mov [rdi + 1*8], r14
	mov [rdi + 2*8], r13
	mov [rdi + 3*8], r12
	mov [rdi + 4*8], r11
	mov [rdi + 5*8], r10
	mov [rdi + 6*8], r9
	mov [rdi + 7*8], r8
	mov [rdi + 8*8], rbp
	mov [rdi + 9*8], rdi
	mov [rdi + 10*8], rsi
	mov [rdi + 11*8], rdx
	mov [rdi + 12*8], rcx
	mov [rdi + 13*8], rbx
	mov [rdi + 14*8], rax
	mov qword [rdi + 15*8], -1	; vector: none
	mov qword [rdi + 16*8], 0	; error code
	mov rax, [rsp]
	mov [rdi + 17*8], rax		; rip: the caller
	mov ax, cs
	movzx eax, ax
	mov [rdi + 18*8], rax
	pushfq
	pop rax
	mov [rdi + 19*8], rax
	lea rax, [rsp + 8]
	mov [rdi + 20*8], rax		; rsp as the caller sees it after return
	mov ax, ss
	movzx eax, ax
	mov [rdi + 21*8], rax
	mov rax, [rdi + 14*8]
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
