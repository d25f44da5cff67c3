/* The zero descriptor that ends the delay-load descriptor table, as Microsoft's linker writes it.
 * dlltool's descriptors go in .text$2; linked after the delay-import library, this one follows
 * them. (GNU ld 2.40 sets no delay-import data directory either: build.sh points it here.) */
char _NULL_DELAY_IMPORT_DESCRIPTOR[0x20] __attribute__((section(".text$2"), aligned(4))) = {0};
