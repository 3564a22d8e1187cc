; VM entry and exit for the VT-x back-end: loads the 15 guest general registers
; (RSP travels in the VMCS), runs VMLAUNCH or VMRESUME, and at the VM exit (the
; VMCS host RIP) stores them back and returns to the caller of vmx_enter.
; Position independent: the same object links into the UEFI and Multiboot2 images.
default rel
bits 64
section .text

VMCS_HOST_RSP	equ 0x6c14

; Offsets into u64 gpr[16] in x86 encoding order (vm/vcpu_state.h); [4] (RSP) is unused here.
%define G_RAX 0*8
%define G_RCX 1*8
%define G_RDX 2*8
%define G_RBX 3*8
%define G_RBP 5*8
%define G_RSI 6*8
%define G_RDI 7*8
%define G_R8 8*8
%define G_R9 9*8
%define G_R10 10*8
%define G_R11 11*8
%define G_R12 12*8
%define G_R13 13*8
%define G_R14 14*8
%define G_R15 15*8

; int vmx_enter(u64 *gpr [rdi], u32 launched [esi])
; Returns 0 after a VM exit, 1 on VMfailInvalid, 2 on VMfailValid (SDM 30.2: CF
; or ZF set by VMLAUNCH/VMRESUME); the caller reads VM_INSTRUCTION_ERROR.
global vmx_enter, vmx_exit_stub
vmx_enter:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi			; the guest register array, found again at the exit
	mov eax, VMCS_HOST_RSP
	vmwrite rax, rsp		; the exit lands on this very stack frame
	test esi, esi			; ZF: not launched yet (no MOV below changes flags)
	mov rax, [rdi + G_RAX]
	mov rcx, [rdi + G_RCX]
	mov rdx, [rdi + G_RDX]
	mov rbx, [rdi + G_RBX]
	mov rbp, [rdi + G_RBP]
	mov rsi, [rdi + G_RSI]
	mov r8, [rdi + G_R8]
	mov r9, [rdi + G_R9]
	mov r10, [rdi + G_R10]
	mov r11, [rdi + G_R11]
	mov r12, [rdi + G_R12]
	mov r13, [rdi + G_R13]
	mov r14, [rdi + G_R14]
	mov r15, [rdi + G_R15]
	mov rdi, [rdi + G_RDI]
	jz .launch
	vmresume
	jmp .failed
.launch:
	vmlaunch
.failed:
	; Still in VMX root operation with the guest's registers loaded: CF means
	; VMfailInvalid, ZF VMfailValid.  MOV leaves the flags alone.
	mov eax, 1
	jc vmx_enter_return
	mov eax, 2
	jmp vmx_enter_return

; The VMCS host RIP.  RSP is the value vmx_enter wrote (the array pointer on
; top); every other register still holds the guest's value; RFLAGS is 0x2.
vmx_exit_stub:
	push rdi
	mov rdi, [rsp + 8]
	mov [rdi + G_RAX], rax
	mov [rdi + G_RCX], rcx
	mov [rdi + G_RDX], rdx
	mov [rdi + G_RBX], rbx
	mov [rdi + G_RBP], rbp
	mov [rdi + G_RSI], rsi
	mov [rdi + G_R8], r8
	mov [rdi + G_R9], r9
	mov [rdi + G_R10], r10
	mov [rdi + G_R11], r11
	mov [rdi + G_R12], r12
	mov [rdi + G_R13], r13
	mov [rdi + G_R14], r14
	mov [rdi + G_R15], r15
	pop qword [rdi + G_RDI]
	xor eax, eax
vmx_enter_return:
	add rsp, 8			; drop the array pointer
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
