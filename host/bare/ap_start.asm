; Application-processor start-up for the standalone host (SDM vol. 3A, 9.4.4 and 10.8.5).
; bare_ap_tramp is copied below 1 MiB; a start-up IPI runs it in real mode at CS:0 with
; CS = its page number.  It loads the GDT, CR3, CR4, EFER and CR0 the BSP patched into
; its parameter block, which turns on protected mode, paging and long mode in one move,
; and far-jumps into bare_ap_long: 64-bit code in the image, which takes the stack the BSP
; left in bare_ap_boot_stack and calls bare_ap_main().
SEL_DATA		equ 0x10
MSR_EFER		equ 0xC0000080

; Parameter block offsets (struct bare_ap_tramp_params in host/bare/smp.c).
T_GDTR			equ 8		; u16 limit, u32 base
T_CR3			equ 16
T_CR4			equ 20
T_CR0			equ 24
T_EFER			equ 28
T_ENTRY			equ 32		; u32 offset, u16 selector
T_CODE			equ 40

section .text

bits 16
global bare_ap_tramp, bare_ap_tramp_end
bare_ap_tramp:
	jmp short tramp_code
	times T_CODE - ($ - bare_ap_tramp) db 0
tramp_code:
	cli
	cld
	mov ax, cs
	mov ds, ax
	o32 lgdt [T_GDTR]
	mov eax, [T_CR4]
	mov cr4, eax
	mov eax, [T_CR3]
	mov cr3, eax
	mov ecx, MSR_EFER
	mov eax, [T_EFER]
	xor edx, edx
	wrmsr
	mov eax, [T_CR0]
	mov cr0, eax
	jmp dword far [T_ENTRY]
bare_ap_tramp_end:

bits 64
default rel
extern bare_ap_main, bare_ap_boot_stack
global bare_ap_long
bare_ap_long:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, [bare_ap_boot_stack]
	xor ebp, ebp
	call bare_ap_main
.halt:
	cli
	hlt
	jmp .halt

section .note.GNU-stack noalloc noexec nowrite progbits
