; The "Run the sync service at logon" option: a Task Scheduler task, defined in XML so that
;  - it runs for WHICHEVER Windows user logs on (group principal BUILTIN\Users), in that
;    user's session and with that user's data folder and Credential Manager secrets;
;  - it has no time limit (a task made with plain `schtasks /SC ONLOGON` is stopped after
;    72 hours), runs on battery, restarts after a crash, and never runs twice at once;
;  - it starts the windowed executable, so no console window flashes up at logon.
; Task Scheduler reads task XML as UTF-16 with a byte-order mark.

!macro _TASK_LINE HANDLE TEXT
  FileWriteUTF16LE ${HANDLE} `${TEXT}$\r$\n`
!macroend

Function RegisterServiceTask
  InitPluginsDir
  StrCpy $1 "$PLUGINSDIR\rooftop-service-task.xml"
  FileOpen $0 $1 w
  FileWriteWord $0 0xFEFF
  !insertmacro _TASK_LINE $0 `<?xml version="1.0" encoding="UTF-16"?>`
  !insertmacro _TASK_LINE $0 `<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">`
  !insertmacro _TASK_LINE $0 `  <RegistrationInfo>`
  !insertmacro _TASK_LINE $0 `    <Author>${PUBLISHER}</Author>`
  !insertmacro _TASK_LINE $0 `    <Description>Runs ${APP_NAME}'s scheduled syncs in the background while a user is logged on.</Description>`
  !insertmacro _TASK_LINE $0 `  </RegistrationInfo>`
  !insertmacro _TASK_LINE $0 `  <Triggers>`
  !insertmacro _TASK_LINE $0 `    <LogonTrigger>`
  !insertmacro _TASK_LINE $0 `      <Enabled>true</Enabled>`
  !insertmacro _TASK_LINE $0 `      <Delay>PT30S</Delay>`
  !insertmacro _TASK_LINE $0 `    </LogonTrigger>`
  !insertmacro _TASK_LINE $0 `  </Triggers>`
  !insertmacro _TASK_LINE $0 `  <Principals>`
  !insertmacro _TASK_LINE $0 `    <Principal id="Author">`
  !insertmacro _TASK_LINE $0 `      <GroupId>S-1-5-32-545</GroupId>`
  !insertmacro _TASK_LINE $0 `      <RunLevel>LeastPrivilege</RunLevel>`
  !insertmacro _TASK_LINE $0 `    </Principal>`
  !insertmacro _TASK_LINE $0 `  </Principals>`
  !insertmacro _TASK_LINE $0 `  <Settings>`
  !insertmacro _TASK_LINE $0 `    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>`
  !insertmacro _TASK_LINE $0 `    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>`
  !insertmacro _TASK_LINE $0 `    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>`
  !insertmacro _TASK_LINE $0 `    <AllowHardTerminate>true</AllowHardTerminate>`
  !insertmacro _TASK_LINE $0 `    <StartWhenAvailable>true</StartWhenAvailable>`
  !insertmacro _TASK_LINE $0 `    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>`
  !insertmacro _TASK_LINE $0 `    <IdleSettings>`
  !insertmacro _TASK_LINE $0 `      <StopOnIdleEnd>false</StopOnIdleEnd>`
  !insertmacro _TASK_LINE $0 `      <RestartOnIdle>false</RestartOnIdle>`
  !insertmacro _TASK_LINE $0 `    </IdleSettings>`
  !insertmacro _TASK_LINE $0 `    <AllowStartOnDemand>true</AllowStartOnDemand>`
  !insertmacro _TASK_LINE $0 `    <Enabled>true</Enabled>`
  !insertmacro _TASK_LINE $0 `    <Hidden>false</Hidden>`
  !insertmacro _TASK_LINE $0 `    <RunOnlyIfIdle>false</RunOnlyIfIdle>`
  !insertmacro _TASK_LINE $0 `    <WakeToRun>false</WakeToRun>`
  !insertmacro _TASK_LINE $0 `    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>`
  !insertmacro _TASK_LINE $0 `    <Priority>7</Priority>`
  !insertmacro _TASK_LINE $0 `    <RestartOnFailure>`
  !insertmacro _TASK_LINE $0 `      <Interval>PT5M</Interval>`
  !insertmacro _TASK_LINE $0 `      <Count>3</Count>`
  !insertmacro _TASK_LINE $0 `    </RestartOnFailure>`
  !insertmacro _TASK_LINE $0 `  </Settings>`
  !insertmacro _TASK_LINE $0 `  <Actions Context="Author">`
  !insertmacro _TASK_LINE $0 `    <Exec>`
  !insertmacro _TASK_LINE $0 `      <Command>"$INSTDIR\${SERVICE_EXE}"</Command>`
  !insertmacro _TASK_LINE $0 `      <Arguments>${SERVICE_ARGS}</Arguments>`
  !insertmacro _TASK_LINE $0 `      <WorkingDirectory>$INSTDIR</WorkingDirectory>`
  !insertmacro _TASK_LINE $0 `    </Exec>`
  !insertmacro _TASK_LINE $0 `  </Actions>`
  !insertmacro _TASK_LINE $0 `</Task>`
  FileClose $0

  DetailPrint "Registering the scheduled task '${TASK_NAME}' (at logon of any user)"
  nsExec::ExecToLog `"$SYSDIR\schtasks.exe" /Create /F /TN "${TASK_NAME}" /XML "$1"`
  Pop $0
  ${If} $0 != 0
    DetailPrint "schtasks failed with exit code $0"
    MessageBox MB_OK|MB_ICONEXCLAMATION "The sync service could not be registered as a scheduled task (schtasks exit code $0). ${APP_NAME} is installed; you can run the installer again, or create the task by hand: $\"$INSTDIR\${SERVICE_EXE}$\" ${SERVICE_ARGS}" /SD IDOK
  ${Else}
    DetailPrint "The sync service starts at the next logon."
  ${EndIf}
FunctionEnd

!macro REMOVE_SERVICE_TASK
  nsExec::ExecToLog `"$SYSDIR\schtasks.exe" /Delete /F /TN "${TASK_NAME}"`
  Pop $0 ; not registered is fine
!macroend

!macro SERVICE_TASK_EXISTS RESULT
  nsExec::ExecToStack `"$SYSDIR\schtasks.exe" /Query /TN "${TASK_NAME}"`
  Pop ${RESULT} ; exit code: 0 when the task is there
  Pop $9        ; schtasks' output, not needed
!macroend
