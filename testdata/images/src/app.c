/* An executable, not a DLL: what a careless installer might register as a filter. */
int __stdcall WinMainCRTStartup(void) { return 0; }
