; One trip into an SVM guest and back (APM vol. 2, 15.5 VMRUN, 15.5.2 VMLOAD/VMSAVE,
; 15.17 GIF).  Position independent: the same object links into both images.
default rel
bits 64
section .text

; Offsets into the u64 gpr[16] array, in x86 encoding order (vm/vcpu_state.h).
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

; void svm_vmrun(u64 vmcb_pa [rdi], u64 *gpr [rsi], u64 host_area_pa [rdx])
;
; RAX and RSP travel in the VMCB; the other guest GPRs are loaded from and stored
; back to gpr[].  VMRUN saves and restores only part of the host's state (15.5.1):
; FS, GS, TR, LDTR, KernelGsBase and the SYSCALL/SYSENTER MSRs go to host_area with
; VMSAVE and come back with VMLOAD, while the guest's set is VMLOADed from and
; VMSAVEd to its VMCB.  All of it runs with GIF clear, so a host interrupt that
; arrives meanwhile is held (the INTR intercept makes it end the guest's turn)
; and is taken at STGI, on the host's own FS/GS/TR.  The caller leaves IF set.
global svm_vmrun
svm_vmrun:
	push rbp
	mov rbp, rsp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdx		; [rsp + 16]: host area
	push rsi		; [rsp + 8]: gpr[]
	push rdi		; [rsp]: VMCB

	clgi
	mov rax, rdx
	vmsave			; host FS/GS/TR/LDTR/MSRs -> host area

	mov rax, rsi
	mov rcx, [rax + G_RCX]
	mov rdx, [rax + G_RDX]
	mov rbx, [rax + G_RBX]
	mov rbp, [rax + G_RBP]
	mov rdi, [rax + G_RDI]
	mov r8, [rax + G_R8]
	mov r9, [rax + G_R9]
	mov r10, [rax + G_R10]
	mov r11, [rax + G_R11]
	mov r12, [rax + G_R12]
	mov r13, [rax + G_R13]
	mov r14, [rax + G_R14]
	mov r15, [rax + G_R15]
	mov rsi, [rax + G_RSI]

	mov rax, [rsp]
	vmload			; guest FS/GS/TR/LDTR/MSRs <- VMCB
	vmrun			; ... the guest runs until #VMEXIT ...
	vmsave			; guest FS/GS/TR/LDTR/MSRs -> VMCB

	; VMRUN restored the host's RSP and RAX (= the VMCB address); everything
	; else still holds the guest's values.
	mov rax, [rsp + 8]
	mov [rax + G_RCX], rcx
	mov [rax + G_RDX], rdx
	mov [rax + G_RBX], rbx
	mov [rax + G_RBP], rbp
	mov [rax + G_RSI], rsi
	mov [rax + G_RDI], rdi
	mov [rax + G_R8], r8
	mov [rax + G_R9], r9
	mov [rax + G_R10], r10
	mov [rax + G_R11], r11
	mov [rax + G_R12], r12
	mov [rax + G_R13], r13
	mov [rax + G_R14], r14
	mov [rax + G_R15], r15

	mov rax, [rsp + 16]
	vmload			; host FS/GS/TR/LDTR/MSRs <- host area
	stgi			; a pending host interrupt is taken here

	add rsp, 24
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
