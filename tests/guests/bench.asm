; Exit-cost benchmark guest: times N round trips of each exit type with the guest's TSC
; and prints "BENCH <name>: <ticks> ticks per iteration" lines, then ends through port 0xF4.
; Under QEMU -icount and Bochs (clock: sync=none) one TSC tick is one emulated instruction,
; so the numbers are deterministic instruction counts of the whole round trip.
bits 16
org 0x8000

	db "MHTEST01"
	dd 0x8000		; load address
	dd start		; entry
	dd 0x7000		; stack
	dd 0			; flags

ITER equ 2000

start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7000
	call unreal_fs

	mov si, name_nop
	mov bx, bench_nop
	call run_bench
	mov si, name_cpuid
	mov bx, bench_cpuid
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
	rdtsc
	mov [t0], eax
	mov [t0 + 4], edx
	mov cx, ITER
.loop:
	call bx
	loop .loop
	rdtsc
	sub eax, [t0]
	sbb edx, [t0 + 4]
	mov ecx, ITER
	div ecx
	pop si
	push eax
	mov si, si
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
	push bx
	push cx
	xor eax, eax
	cpuid
	pop cx
	pop bx
	ret
bench_io:
	mov dx, 0x2222
	in al, dx
	ret
bench_mmio:
	; An unassigned guest-physical address below 4 GiB, through FS's 4 GiB limit.
	mov eax, [fs:dword 0xfed00000]
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

align 8
gdt:
	dq 0
	dq 0x00cf92000000ffff	; flat 4 GiB read/write data
gdt_desc:
	dw gdt_desc - gdt - 1
	dd gdt

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

name_nop:	db "BENCH loop baseline", 0
name_cpuid:	db "BENCH cpuid exit", 0
name_io:	db "BENCH port-in exit", 0
name_mmio:	db "BENCH mmio-read exit", 0
colon:		db ": ", 0
suffix:		db " ticks per iteration", 13, 10, 0
t0:		dq 0
