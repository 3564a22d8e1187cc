; Exit-cost benchmark guest: times 100,000 round trips of each exit kind with the guest's
; TSC and prints "BENCH <name>: <ticks> ticks per iteration" lines, then ends through port
; 0xF4.  Under QEMU -icount and Bochs (clock: sync=none) one TSC tick is one emulated
; instruction, so the numbers are deterministic instruction counts of the whole round trip.
; Needs the test device (testdev = on) for the port and MMIO registers the hypervisor handles.
bits 16
org 0x8000

	db "MHTEST01"
	dd 0x8000		; load address
	dd start		; entry
	dd 0x7000		; stack
	dd 0			; flags

ITER equ 100000
TESTDEV_MMIO equ 0xfebf0000
TESTDEV_PORT equ 0xe0

start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7000
	call unreal_fs

	; The hypercall instruction is the vendor's: VMMCALL on AMD, VMCALL on Intel.
	xor eax, eax
	cpuid
	cmp ebx, 0x68747541		; "Auth"
	jne .intel
	mov byte [hc_insn + 2], 0xd9
.intel:

	mov si, name_nop
	mov bx, bench_nop
	call run_bench
	mov si, name_cpuid
	mov bx, bench_cpuid
	call run_bench
	mov si, name_hc
	mov bx, bench_hypercall
	call run_bench
	mov si, name_io
	mov bx, bench_io
	call run_bench
	mov si, name_mmio
	mov bx, bench_mmio
	call run_bench

	mov al, 0
	out 0xf4, al
.hang:
	hlt
	jmp .hang

; bx = body (runs ITER times), si = name; prints the average TSC ticks per iteration.
run_bench:
	push si
	mov [body], bx
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
	mov dword [count], ITER
.loop:
	call [body]
	dec dword [count]
	jnz .loop
	rdtsc
	sub eax, [t0]
	sbb edx, [t0 + 4]
	mov ecx, ITER
	div ecx
	pop si
	push eax
	call puts
	mov si, colon
	call puts
	pop eax
	call putdec
	mov si, suffix
	call puts
	ret

bench_nop:
	nop
	ret
bench_cpuid:
	xor eax, eax
	cpuid
	ret
bench_hypercall:
	mov eax, 1			; HC_VERSION (docs/hypercalls.md), no buffer
	xor ebx, ebx
hc_insn:
	db 0x0f, 0x01, 0xc1		; VMCALL (patched to VMMCALL on AMD)
	ret
bench_io:
	in eax, TESTDEV_PORT
	ret
bench_mmio:
	mov eax, [fs:dword TESTDEV_MMIO]
	ret

; "Unreal mode": load FS with a flat 4 GiB data descriptor in protected mode, then
; return to real mode; FS keeps the cached 4 GiB limit.
unreal_fs:
	lgdt [gdt_desc]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp short .pm
.pm:
	mov bx, 8
	mov fs, bx
	and al, 0xfe
	mov cr0, eax
	ret

; ds:si = NUL-terminated string
puts:
	lodsb
	test al, al
	jz .done
	call putc
	jmp puts
.done:
	ret

putc:
	push dx
	push ax
	mov dx, 0x3fd
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	pop ax
	mov dx, 0x3f8
	out dx, al
	pop dx
	ret

; eax = unsigned number
putdec:
	mov ebx, 10
	xor cx, cx
.div:
	xor edx, edx
	div ebx
	push dx
	inc cx
	test eax, eax
	jnz .div
.out:
	pop ax
	add al, '0'
	call putc
	loop .out
	ret

align 8
gdt:
	dq 0
	dq 0x00cf92000000ffff	; flat 4 GiB read/write data
gdt_desc:
	dw gdt_desc - gdt - 1
	dd gdt

name_nop:	db "BENCH loop baseline", 0
name_cpuid:	db "BENCH cpuid exit", 0
name_hc:	db "BENCH hc_version round trip", 0
name_io:	db "BENCH port-in exit", 0
name_mmio:	db "BENCH mmio-read exit", 0
colon:		db ": ", 0
suffix:		db " ticks per iteration", 13, 10, 0
align 4
t0:		dq 0
count:		dd 0
body:		dw 0
