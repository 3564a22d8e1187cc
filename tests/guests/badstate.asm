; A test image whose header asks the loader for an invalid start state (flags bit 0):
; VM entry must fail and the hypervisor must name the violated check.  The code never runs.
bits 16
org 0x8000

	db "MHTEST01"
	dd 0x8000		; load address
	dd start		; entry
	dd 0x7000		; stack
	dd 1			; flags: invalid start state

start:
	mov al, 1		; reaching this would be a failure: exit status 3
	out 0xf4, al
	hlt
