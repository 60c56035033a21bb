; Close Rooftop Sync (window, command line, the service task) before files are replaced or
; removed. Interactive installs ask first; silent ones (/S) just close it. A sync that is
; stopped this way resumes at its next run: the engine only moves its cursor after the
; destination acknowledged a batch.

!macro CLOSE_RUNNING_APP_FN PREFIX
Function ${PREFIX}CloseRunningApp
  nsExec::ExecToStack `"$SYSDIR\tasklist.exe" /NH /FI "IMAGENAME eq ${APP_ID}*"`
  Pop $0 ; exit code
  Pop $1 ; output: one line per matching process, or a (localised) "no tasks" message
  !if "${PREFIX}" == "un."
    ${UnStrStr} $2 $1 "${APP_ID}"
  !else
    ${StrStr} $2 $1 "${APP_ID}"
  !endif
  ${If} $2 != ""
    MessageBox MB_OKCANCEL|MB_ICONEXCLAMATION "${APP_NAME} is running. Setup will close it (a sync in progress stops and picks up where it left off next time).$\r$\n$\r$\nClick OK to close it and continue, or Cancel to stop." /SD IDOK IDOK close_it
    Abort "Cancelled: ${APP_NAME} is still running."
    close_it:
    DetailPrint "Closing ${APP_NAME}"
    nsExec::ExecToLog `"$SYSDIR\taskkill.exe" /F /IM "${GUI_EXE}"`
    Pop $0
    nsExec::ExecToLog `"$SYSDIR\taskkill.exe" /F /IM "${CLI_EXE}"`
    Pop $0
    Sleep 1500 ; let Windows release the files
  ${EndIf}
FunctionEnd
!macroend
