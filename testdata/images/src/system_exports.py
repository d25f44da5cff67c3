"""Export lists of the system DLL stand-ins (pe_writer.system_images): what kernel32.dll,
ntdll.dll and msvcr80.dll export on Windows Server 2003 SP2, in part.

kernel32.dll: a representative set of its exports on Windows Server 2003, and every kernel32
function the MinGW-built test DLLs import (objdump -p shows GetTickCount, GetTickCount64 and
InitializeSRWLock; the last two are the Vista additions the stand-in must lack). Names and
forwarders follow ReactOS's kernel32.spec (reactos/reactos, dll/win32/kernel32/kernel32.spec),
which targets NT 5.2 and marks every Windows Vista addition with `-version=0x600+`; none of those
is here. The Microsoft documentation agrees for the ones the tests turn on: GetTickCount64,
InitializeSRWLock and InitializeConditionVariable have "Minimum supported client: Windows Vista",
"Minimum supported server: Windows Server 2008"
(https://learn.microsoft.com/windows/win32/api/sysinfoapi/nf-sysinfoapi-gettickcount64,
https://learn.microsoft.com/windows/win32/api/synchapi/nf-synchapi-initializesrwlock).
"""

KERNEL32_COMMON = """
ActivateActCtx AddAtomA AddAtomW AddRefActCtx AllocConsole AreFileApisANSI AssignProcessToJobObject
AttachConsole Beep BindIoCompletionCallback CancelIo CancelTimerQueueTimer CancelWaitableTimer
ChangeTimerQueueTimer CheckRemoteDebuggerPresent CloseHandle CompareFileTime CompareStringA CompareStringW
ConnectNamedPipe ConvertFiberToThread ConvertThreadToFiber CopyFileA CopyFileExW CopyFileW CreateActCtxA
CreateActCtxW CreateDirectoryA CreateDirectoryW CreateEventA CreateEventW CreateFiber CreateFileA
CreateFileMappingA CreateFileMappingW CreateFileW CreateIoCompletionPort CreateJobObjectW CreateMutexA
CreateMutexW CreateNamedPipeW CreatePipe CreateProcessA CreateProcessW CreateRemoteThread CreateSemaphoreA
CreateSemaphoreW CreateThread CreateTimerQueue CreateTimerQueueTimer CreateToolhelp32Snapshot
CreateWaitableTimerW DeactivateActCtx DebugActiveProcess DefineDosDeviceW DeleteFiber DeleteFileA
DeleteFileW DeleteTimerQueueEx DeleteTimerQueueTimer DeviceIoControl DisableThreadLibraryCalls
DisconnectNamedPipe DuplicateHandle ExitProcess ExitThread ExpandEnvironmentStringsA
ExpandEnvironmentStringsW FileTimeToLocalFileTime FileTimeToSystemTime FindActCtxSectionStringW FindClose
FindFirstFileA FindFirstFileExW FindFirstFileW FindNextFileA FindNextFileW FindResourceA FindResourceExW
FindResourceW FlsAlloc FlsFree FlsGetValue FlsSetValue FlushFileBuffers FlushInstructionCache
FlushViewOfFile FormatMessageA FormatMessageW FreeEnvironmentStringsA FreeEnvironmentStringsW FreeLibrary
FreeLibraryAndExitThread FreeResource GetACP GetCPInfo GetCommandLineA GetCommandLineW GetComputerNameA
GetComputerNameExW GetComputerNameW GetConsoleCP GetConsoleMode GetConsoleOutputCP GetCurrentActCtx
GetCurrentDirectoryA GetCurrentDirectoryW GetCurrentProcess GetCurrentProcessId GetCurrentThread
GetCurrentThreadId GetDateFormatA GetDateFormatW GetDiskFreeSpaceExW GetDriveTypeW GetEnvironmentStrings
GetEnvironmentStringsW GetEnvironmentVariableA GetEnvironmentVariableW GetExitCodeProcess GetExitCodeThread
GetFileAttributesA GetFileAttributesExW GetFileAttributesW GetFileInformationByHandle GetFileSize
GetFileSizeEx GetFileTime GetFileType GetFullPathNameA GetFullPathNameW GetHandleInformation GetLastError
GetLocalTime GetLocaleInfoA GetLocaleInfoW GetLogicalDrives GetLongPathNameW GetModuleFileNameA
GetModuleFileNameW GetModuleHandleA GetModuleHandleExW GetModuleHandleW GetNativeSystemInfo
GetNumberOfConsoleInputEvents GetOEMCP GetOverlappedResult GetPriorityClass GetPrivateProfileStringW
GetProcAddress GetProcessAffinityMask GetProcessHeap GetProcessHeaps GetProcessId GetProcessTimes
GetQueuedCompletionStatus GetShortPathNameW GetStartupInfoA GetStartupInfoW GetStdHandle GetStringTypeA
GetStringTypeW GetSystemDefaultLCID GetSystemDirectoryA GetSystemDirectoryW GetSystemInfo GetSystemTime
GetSystemTimeAsFileTime GetSystemTimes GetSystemWindowsDirectoryW GetSystemWow64DirectoryW GetTempFileNameW
GetTempPathA GetTempPathW GetThreadContext GetThreadLocale GetThreadPriority GetThreadTimes GetTickCount
GetTimeFormatA GetTimeFormatW GetTimeZoneInformation GetUserDefaultLCID GetUserDefaultLangID GetVersion
GetVersionExA GetVersionExW GetVolumeInformationW GetWindowsDirectoryA GetWindowsDirectoryW GlobalAlloc
GlobalFree GlobalLock GlobalMemoryStatusEx GlobalSize GlobalUnlock HeapCompact HeapCreate HeapDestroy
HeapQueryInformation HeapSetInformation HeapValidate HeapWalk InitializeCriticalSection
InitializeCriticalSectionAndSpinCount IsBadReadPtr IsBadWritePtr IsDBCSLeadByte IsDebuggerPresent
IsProcessorFeaturePresent IsValidCodePage IsValidLocale IsWow64Process LCMapStringA LCMapStringW
LoadLibraryA LoadLibraryExA LoadLibraryExW LoadLibraryW LoadResource LocalAlloc LocalFree
LocalFileTimeToFileTime LockFile LockFileEx LockResource MapViewOfFile MapViewOfFileEx Module32FirstW
Module32NextW MoveFileExW MoveFileW MulDiv MultiByteToWideChar OpenEventA OpenEventW OpenFileMappingW
OpenMutexW OpenProcess OpenSemaphoreW OpenThread OutputDebugStringA OutputDebugStringW PeekNamedPipe
PostQueuedCompletionStatus Process32FirstW Process32NextW ProcessIdToSessionId QueryActCtxW
QueryPerformanceCounter QueryPerformanceFrequency QueueUserAPC QueueUserWorkItem RaiseException ReadFile
ReadProcessMemory RegisterWaitForSingleObject ReleaseActCtx ReleaseMutex ReleaseSemaphore RemoveDirectoryW
ReplaceFileW ResetEvent ResumeThread SearchPathW SetConsoleCtrlHandler SetCurrentDirectoryW
SetEndOfFile SetEnvironmentVariableA SetEnvironmentVariableW SetErrorMode SetEvent SetFileAttributesW
SetFilePointer SetFilePointerEx SetFileTime SetHandleCount SetHandleInformation SetLastError
SetPriorityClass SetStdHandle SetThreadAffinityMask SetThreadContext SetThreadPriority
SetUnhandledExceptionFilter SetWaitableTimer Sleep SleepEx SuspendThread SwitchToFiber SwitchToThread
SystemTimeToFileTime TerminateProcess TerminateThread Thread32First Thread32Next TlsAlloc TlsFree
TlsGetValue TlsSetValue TryEnterCriticalSection UnhandledExceptionFilter UnlockFile UnmapViewOfFile
UnregisterWait UnregisterWaitEx VirtualAlloc VirtualAllocEx VirtualFree VirtualFreeEx VirtualProtect
VirtualProtectEx VirtualQuery VirtualQueryEx WaitForMultipleObjects WaitForMultipleObjectsEx
WaitForSingleObject WaitForSingleObjectEx WaitNamedPipeW WideCharToMultiByte WinExec WriteConsoleA
WriteConsoleW WriteFile WriteProcessMemory WritePrivateProfileStringW lstrcmpA lstrcmpW lstrcmpiA lstrcmpiW
lstrcpyA lstrcpyW lstrcpynA lstrcpynW lstrlenA lstrlenW
""".split()

# Exported by kernel32.dll as forwarders to ntdll.dll (kernel32.spec, as above).
KERNEL32_FORWARDS = {
    "AddVectoredExceptionHandler": "NTDLL.RtlAddVectoredExceptionHandler",
    "DecodePointer": "NTDLL.RtlDecodePointer",
    "DeleteCriticalSection": "NTDLL.RtlDeleteCriticalSection",
    "EncodePointer": "NTDLL.RtlEncodePointer",
    "EnterCriticalSection": "NTDLL.RtlEnterCriticalSection",
    "HeapAlloc": "NTDLL.RtlAllocateHeap",
    "HeapFree": "NTDLL.RtlFreeHeap",
    "HeapReAlloc": "NTDLL.RtlReAllocateHeap",
    "HeapSize": "NTDLL.RtlSizeHeap",
    "InitializeSListHead": "NTDLL.RtlInitializeSListHead",
    "InterlockedFlushSList": "NTDLL.RtlInterlockedFlushSList",
    "InterlockedPopEntrySList": "NTDLL.RtlInterlockedPopEntrySList",
    "InterlockedPushEntrySList": "NTDLL.RtlInterlockedPushEntrySList",
    "LeaveCriticalSection": "NTDLL.RtlLeaveCriticalSection",
    "QueryDepthSList": "NTDLL.RtlQueryDepthSList",
    "RemoveVectoredExceptionHandler": "NTDLL.RtlRemoveVectoredExceptionHandler",
    "RtlFillMemory": "NTDLL.RtlFillMemory",
    "RtlMoveMemory": "NTDLL.RtlMoveMemory",
    "RtlUnwind": "NTDLL.RtlUnwind",
    "RtlZeroMemory": "NTDLL.RtlZeroMemory",
    "SetCriticalSectionSpinCount": "NTDLL.RtlSetCriticalSectionSpinCount",
}

# kernel32.spec marks these -arch=i386: 64-bit code uses compiler intrinsics instead.
KERNEL32_X86_ONLY = ["InterlockedCompareExchange", "InterlockedDecrement", "InterlockedExchange",
                     "InterlockedExchangeAdd", "InterlockedIncrement"]
# ... and these -arch=x86_64, forwarded to ntdll.dll.
KERNEL32_X64_FORWARDS = {
    "RtlAddFunctionTable": "NTDLL.RtlAddFunctionTable",
    "RtlDeleteFunctionTable": "NTDLL.RtlDeleteFunctionTable",
    "RtlLookupFunctionEntry": "NTDLL.RtlLookupFunctionEntry",
    "RtlVirtualUnwind": "NTDLL.RtlVirtualUnwind",
}

# What kernel32.dll imports from ntdll.dll in the stand-in (a few of the native calls it is built on).
KERNEL32_IMPORTS_FROM_NTDLL = ["NtClose", "NtCreateFile", "NtQueryInformationProcess", "NtReadFile",
                               "NtWriteFile", "RtlAllocateHeap", "RtlFreeHeap", "RtlNtStatusToDosError"]

NTDLL_COMMON = """
DbgBreakPoint LdrGetDllHandle LdrGetProcedureAddress LdrLoadDll NtClose NtCreateFile
NtQueryInformationProcess NtReadFile NtWriteFile RtlAddVectoredExceptionHandler RtlAllocateHeap
RtlDecodePointer RtlDeleteCriticalSection RtlEncodePointer RtlEnterCriticalSection RtlFillMemory RtlFreeHeap
RtlGetLastWin32Error RtlInitializeSListHead RtlInterlockedFlushSList RtlInterlockedPopEntrySList
RtlInterlockedPushEntrySList RtlLeaveCriticalSection RtlMoveMemory RtlNtStatusToDosError RtlQueryDepthSList
RtlReAllocateHeap RtlRemoveVectoredExceptionHandler RtlSetCriticalSectionSpinCount RtlSizeHeap RtlUnwind
RtlZeroMemory memcpy memset strlen
""".split()
NTDLL_X64_ONLY = ["RtlAddFunctionTable", "RtlDeleteFunctionTable", "RtlLookupFunctionEntry",
                  "RtlVirtualUnwind"]

# A few names msvcr80.dll (Visual C++ 2005 CRT) exports: what the test DLL imports, and what a
# /MD DLL's startup code calls.
MSVCR80 = ["_amsg_exit", "_decode_pointer", "_encode_pointer", "_initterm", "_lock", "_malloc_crt",
           "_onexit", "_unlock", "__dllonexit", "calloc", "free", "malloc", "memcpy", "memset", "realloc"]
