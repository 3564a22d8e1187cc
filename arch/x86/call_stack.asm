; Runs a function on another stack: how an AP leaves the small stack the firmware or
; the start-up trampoline gave it.  Position independent (both images link it).
bits 64
default rel
section .text

; void arch_call_on_stack(u64 stack_top [rdi], void (*fn)(void *) [rsi], void *arg [rdx])
global arch_call_on_stack
arch_call_on_stack:
	push rbp
	mov rbp, rsp
	mov rsp, rdi
	and rsp, -16
	mov rdi, rdx
	call rsi
	mov rsp, rbp
	pop rbp
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
