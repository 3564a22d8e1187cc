; Multiboot2 header and 32-bit entry: checks the loader, builds identity page
; tables for the first 4 GiB, enters long mode and calls mb2_main(info_phys).
; Multiboot2 specification 1.0, sections 3.1 (header) and 3.3 (machine state).

MB2_MAGIC		equ 0xE85250D6
MB2_ARCH_I386		equ 0
MB2_LOADER_MAGIC	equ 0x36D76289
MB2_TAG_INFO_REQUEST	equ 1
MB2_INFO_MMAP		equ 6

COM1			equ 0x3F8
BOOT_STACK_SIZE		equ 64 * 1024

SEL_CODE64		equ 0x08
SEL_DATA		equ 0x10

PTE_P			equ 1 << 0
PTE_RW			equ 1 << 1
PTE_PS			equ 1 << 7

CR0_PE			equ 1 << 0
CR0_MP			equ 1 << 1
CR0_NE			equ 1 << 5
CR0_WP			equ 1 << 16
CR0_PG			equ 1 << 31
CR4_PAE			equ 1 << 5
MSR_EFER		equ 0xC0000080
EFER_LME		equ 1 << 8
EFER_NXE		equ 1 << 11

extern mb2_main
extern __bss_start, __bss_end

; --- The header: magic, architecture, length, checksum, then tags (8-byte aligned).
section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; Information request: the memory map (GRUB passes it anyway; this makes it explicit).
	align 8
	dw MB2_TAG_INFO_REQUEST, 0
	dd 12
	dd MB2_INFO_MMAP
	; End tag.
	align 8
	dw 0, 0
	dd 8
mb2_header_end:

; --- Entry: 32-bit protected mode, paging off, EAX = loader magic, EBX = info.
section .text.boot progbits alloc exec nowrite align=16
bits 32
global mb2_entry
mb2_entry:
	cli
	cld
	cmp eax, MB2_LOADER_MAGIC
	jne .bad_magic
	mov [mb2_info_phys], ebx
	mov esp, mb2_stack_top

	; Long mode is required: CPUID 0x80000001 EDX bit 29.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode
	mov [ext_features_edx], edx

	call build_page_tables

	lgdt [boot_gdtr]
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax

	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	test dword [ext_features_edx], 1 << 20	; NX available
	jz .no_nx
	or eax, EFER_NXE
.no_nx:
	wrmsr

	mov eax, cr0
	or eax, CR0_PE | CR0_MP | CR0_NE | CR0_WP | CR0_PG
	mov cr0, eax
	jmp SEL_CODE64:long_mode_entry

.bad_magic:
	mov esi, msg_bad_magic
	jmp fail32
.no_long_mode:
	mov esi, msg_no_long_mode
	jmp fail32

; Page tables: PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB
; pages covering 0-4 GiB.  The 2 MiB region holding the boot stack's guard
; page is split into 4 KiB pages with the guard page left not present, so a
; stack overflow faults (and ends in #DF on its own stack) instead of
; silently overwriting .bss.
build_page_tables:
	; Zero PML4, PDPT, the four directories and the guard-region table.
	mov edi, boot_page_tables
	mov ecx, boot_page_tables_end - boot_page_tables
	shr ecx, 2
	xor eax, eax
	rep stosd

	mov dword [boot_pml4], boot_pdpt + (PTE_P | PTE_RW)
	mov dword [boot_pdpt + 0 * 8], boot_pd + 0 * 4096 + (PTE_P | PTE_RW)
	mov dword [boot_pdpt + 1 * 8], boot_pd + 1 * 4096 + (PTE_P | PTE_RW)
	mov dword [boot_pdpt + 2 * 8], boot_pd + 2 * 4096 + (PTE_P | PTE_RW)
	mov dword [boot_pdpt + 3 * 8], boot_pd + 3 * 4096 + (PTE_P | PTE_RW)

	; 2048 directory entries, 2 MiB each.  Entry i maps i * 2 MiB: bits
	; 21-31 go into the low dword, bits 32-33 (i >> 11) into the high one.
	mov edi, boot_pd
	xor ecx, ecx
.pd_loop:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_RW | PTE_PS
	mov [edi + ecx * 8], eax
	mov eax, ecx
	shr eax, 11
	mov [edi + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jb .pd_loop

	; The guard region as 4 KiB pages.
	mov ebx, mb2_stack_guard
	and ebx, ~0x1FFFFF
	or ebx, PTE_P | PTE_RW
	mov edi, boot_guard_pt
	xor ecx, ecx
.pt_loop:
	mov [edi + ecx * 8], ebx
	add ebx, 4096
	inc ecx
	cmp ecx, 512
	jb .pt_loop
	mov eax, mb2_stack_guard
	shr eax, 12
	and eax, 511
	mov dword [boot_guard_pt + eax * 8], 0
	mov eax, mb2_stack_guard
	shr eax, 21
	mov dword [boot_pd + eax * 8], boot_guard_pt + (PTE_P | PTE_RW)
	ret

; Reports a fatal start-up problem on COM1 (115200 8N1) and halts.  ESI = message.
fail32:
	mov dx, COM1 + 1		; IER: no interrupts
	xor al, al
	out dx, al
	mov dx, COM1 + 3		; LCR: DLAB
	mov al, 0x80
	out dx, al
	mov dx, COM1 + 0		; divisor 1 = 115200 baud
	mov al, 1
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3		; 8N1
	mov al, 0x03
	out dx, al
.next_char:
	lodsb
	test al, al
	jz .halt
	mov bl, al
	mov ecx, 1000000		; bounded wait for THRE
.wait:
	mov dx, COM1 + 5
	in al, dx
	test al, 0x20
	jnz .send
	pause
	dec ecx
	jnz .wait
.send:
	mov dx, COM1
	mov al, bl
	out dx, al
	jmp .next_char
.halt:
	cli
	hlt
	jmp .halt

; --- 64-bit: reload segments, clear .bss, call mb2_main(info_phys).
bits 64
long_mode_entry:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, mb2_stack_top

	mov rdi, __bss_start
	mov rcx, __bss_end
	sub rcx, rdi
	shr rcx, 3
	xor eax, eax
	rep stosq

	mov edi, [mb2_info_phys]	; zero-extends into rdi
	xor ebp, ebp			; terminates frame-pointer walks
	call mb2_main
.halt:
	cli
	hlt
	jmp .halt

section .rodata
msg_bad_magic:
	db "macrohard: not started by a Multiboot2 loader (bad magic in EAX); halted", 13, 10, 0
msg_no_long_mode:
	db "macrohard: this CPU has no 64-bit long mode; halted", 13, 10, 0

; Flat descriptors: 64-bit code and data.  Replaced by host/bare/gdt.c later.
align 16
boot_gdt:
	dq 0
	dq 0x00AF9B000000FFFF		; 0x08: code, L=1, DPL 0 (accessed bit preset)
	dq 0x00CF93000000FFFF		; 0x10: data, flat 4 GiB
boot_gdt_end:
boot_gdtr:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt

section .data
mb2_info_phys:
	dd 0
ext_features_edx:
	dd 0

section .boot.bss nobits alloc noexec write align=4096
boot_page_tables:
boot_pml4:
	resb 4096
boot_pdpt:
	resb 4096
boot_pd:
	resb 4 * 4096
boot_guard_pt:
	resb 4096
boot_page_tables_end:
global mb2_stack_guard, mb2_stack_top
mb2_stack_guard:
	resb 4096
	resb BOOT_STACK_SIZE
mb2_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
