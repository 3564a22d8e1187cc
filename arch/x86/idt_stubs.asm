; Interrupt and exception entry for the hypervisor's own IDT (the standalone host, and
; APs in both modes): one stub per vector
; builds a struct exception_frame (arch/x86/exception.h) and calls
; arch_exception_handle(); if that returns, the frame (possibly with a new RIP)
; is restored and the interrupted code resumes.
bits 64
default rel

extern arch_exception_handle

; SDM vol. 3, 6.15: the exceptions for which the CPU pushes an error code.
%define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

section .text

%assign vec 0
%rep 256
align 16
arch_idt_stub_ %+ vec:
%if HAS_ERROR_CODE(vec) == 0
	push 0				; uniform frame: a zero error code
%endif
	push vec
	jmp arch_idt_common
%assign vec vec + 1
%endrep

; Stack on arrival: vector, error code, RIP, CS, RFLAGS, RSP, SS.
; Pushes rax..r15 so that RSP points at struct exception_frame (r15 first).
arch_idt_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	mov rbx, rsp			; callee-saved: the frame survives the call
	and rsp, -16
	call arch_exception_handle
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16			; vector and error code
	iretq

section .rodata
align 8
global arch_idt_stubs
arch_idt_stubs:
%assign vec 0
%rep 256
	dq arch_idt_stub_ %+ vec
%assign vec vec + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
