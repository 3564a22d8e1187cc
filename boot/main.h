/* The common entry point both host modes call once their host layer is up. */
#ifndef BOOT_MAIN_H
#define BOOT_MAIN_H

/*
 * Prints the banner, reads macrohard.cfg, and runs the VMs it defines; ends
 * through the on_exit action.  Called with the console, time, pages, files
 * and host_get_info() working.
 */
void macrohard_main(void) __attribute__((noreturn));

#endif
