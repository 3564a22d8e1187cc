; A minimal setjmp/longjmp for the firmware-hosted exit path (System V calling convention).
default rel
bits 64
section .text

; int uefi_setjmp(struct uefi_jump *j [rdi])
global uefi_setjmp
uefi_setjmp:
	mov [rdi + 0*8], rbx
	mov [rdi + 1*8], rbp
	mov [rdi + 2*8], r12
	mov [rdi + 3*8], r13
	mov [rdi + 4*8], r14
	mov [rdi + 5*8], r15
	lea rax, [rsp + 8]
	mov [rdi + 6*8], rax
	mov rax, [rsp]
	mov [rdi + 7*8], rax
	xor eax, eax
	ret

; void uefi_longjmp(struct uefi_jump *j [rdi], int value [esi])
global uefi_longjmp
uefi_longjmp:
	mov rbx, [rdi + 0*8]
	mov rbp, [rdi + 1*8]
	mov r12, [rdi + 2*8]
	mov r13, [rdi + 3*8]
	mov r14, [rdi + 4*8]
	mov r15, [rdi + 5*8]
	mov rsp, [rdi + 6*8]
	mov eax, esi
	jmp [rdi + 7*8]

section .note.GNU-stack noalloc noexec nowrite progbits
