; Rooftop Sync — Windows installer (NSIS 3, Unicode, per-machine, 64-bit).
;
; Built by installer/build.py, which passes the version and the bundle folder:
;   makensis -DVERSION=1.2.3 -DVERSION_QUAD=1.2.3.0 -DBUNDLE_DIR=<bundle> -DOUTFILE=<exe> rooftop.nsi
;
; Command-line switches (see installer/README.md):
;   setup.exe /S                   silent install (all defaults)
;   setup.exe /S /D=C:\Apps\Rooftop Sync   ... into another folder (/D= must come last, no quotes)
;   setup.exe /S /SERVICE=1        ... and register the sync service to start at logon
;   setup.exe /S /DESKTOP=0        ... without the desktop shortcut
;   setup.exe /S /SETUP=C:\Rollout\store12.json   ... then set the rooftop up from a setup
;                                  file (RooftopSyncCli.exe setup import; see the README)
;   uninstall.exe /S               silent uninstall; the users' data is kept
;   uninstall.exe /S /REMOVEDATA   ... and delete the data of the user running it

Unicode true
ManifestDPIAware true
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "Pass the version: makensis -DVERSION=1.2.3 rooftop.nsi (installer/build.py does this)"
!endif
!ifndef VERSION_QUAD
  !define VERSION_QUAD "${VERSION}.0"
!endif
!ifndef BUNDLE_DIR
  !define BUNDLE_DIR "..\build\dist\RooftopSync"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\build\dist\RooftopSync-Setup-${VERSION}.exe"
!endif

!define APP_NAME "Rooftop Sync"
!define APP_ID "RooftopSync"
!define PUBLISHER "Rooftop Sync"
!define GUI_EXE "RooftopSync.exe"
!define CLI_EXE "RooftopSyncCli.exe"
!define UNINSTALLER "uninstall.exe"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define DATA_DIR_NAME "RooftopSync" ; %LOCALAPPDATA%\RooftopSync, per Windows user
!define TASK_NAME "Rooftop Sync service"
!define SERVICE_EXE "${GUI_EXE}" ; windowed: no console window at logon
!define SERVICE_ARGS "service"

!if /FileExists "${BUNDLE_DIR}\${GUI_EXE}"
!else
  !error "No bundle at ${BUNDLE_DIR}: build it first (python installer/build.py)"
!endif

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "nsDialogs.nsh"
!include "Sections.nsh"
!include "StrFunc.nsh"
!include "WordFunc.nsh"
!include "x64.nsh"
${StrStr}
${UnStrStr}

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP_NAME}"
InstallDirRegKey HKLM "${UNINST_KEY}" "InstallLocation"
BrandingText "${APP_NAME} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

Var PrevDir      ; folder of an installed copy (upgrade), or empty
Var PrevVersion
Var RemoveData   ; uninstaller: 1 = also delete the user's data folder
Var RemoveDataCheckbox
Var UserDataDir
Var SetupFile    ; /SETUP=path: a setup file to import after installing

; ---------------------------------------------------------------- pages
!define MUI_ICON "..\resources\icons\rooftop.ico"
!define MUI_UNICON "..\resources\icons\rooftop.ico"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_SMALLDESC
!define MUI_WELCOMEPAGE_TEXT "Setup will install ${APP_NAME} ${VERSION} for every user of this computer.$\r$\n$\r$\nIf ${APP_NAME} is already installed it is upgraded in place: connections, mappings, schedules and the sync history are kept, and the database is backed up before it is upgraded.$\r$\n$\r$\nClick Next to continue."
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!define MUI_PAGE_CUSTOMFUNCTION_PRE SkipDirectoryOnUpgrade
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_TEXT "Open ${APP_NAME} now"
!define MUI_FINISHPAGE_RUN_FUNCTION LaunchAsCurrentUser
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
UninstPage custom un.DataPageShow un.DataPageLeave
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

; ---------------------------------------------------------------- version metadata
VIProductVersion "${VERSION_QUAD}"
VIFileVersion "${VERSION_QUAD}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "Copyright ${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP_NAME} ${VERSION} setup"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"

!include "nsis\service_task.nsh"
!include "nsis\running_app.nsh"
!insertmacro CLOSE_RUNNING_APP_FN ""
!insertmacro CLOSE_RUNNING_APP_FN "un."

; ---------------------------------------------------------------- sections
Section "!${APP_NAME}" SecApp
  SectionIn RO
  Call CloseRunningApp
  Call RemovePreviousVersion
  SetOutPath "$INSTDIR"
  File /r "${BUNDLE_DIR}\*.*"
  WriteUninstaller "$INSTDIR\${UNINSTALLER}"
  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0
  Call WriteUninstallKey
SectionEnd

Section "-Import the rooftop setup" SecSetupImport
  ${If} $SetupFile != ""
    DetailPrint "Setting the rooftop up from $SetupFile"
    ExecWait `"$INSTDIR\${CLI_EXE}" setup import "$SetupFile"` $0
    ${If} $0 == 1
      DetailPrint "The setup was imported with warnings (a secret may still need entering)."
    ${ElseIf} $0 != 0
      MessageBox MB_OK|MB_ICONEXCLAMATION "${APP_NAME} was installed, but the setup file $SetupFile could not be imported (exit code $0). Run $\"${CLI_EXE} setup import$\" on it to see why." /SD IDOK
    ${EndIf}
  ${EndIf}
SectionEnd

Section "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0
SectionEnd

Section /o "Run the sync service at logon" SecService
  Call RegisterServiceTask
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "The ${APP_NAME} program and a Start-menu shortcut."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} "A ${APP_NAME} shortcut on every user's desktop."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecService} "Runs scheduled syncs in the background whenever a user logs on, even with the window closed (a Task Scheduler task named '${TASK_NAME}')."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Section "Uninstall"
  Call un.CloseRunningApp
  !insertmacro REMOVE_SERVICE_TASK
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${GUI_EXE}"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\${UNINSTALLER}"
  RMDir "$INSTDIR" ; only if empty: never remove files we did not put there
  DeleteRegKey HKLM "${UNINST_KEY}"
  ${If} $RemoveData == 1
    DetailPrint "Deleting $UserDataDir"
    RMDir /r "$UserDataDir"
  ${Else}
    DetailPrint "Kept your data in $UserDataDir"
  ${EndIf}
SectionEnd

; ---------------------------------------------------------------- installer functions
Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "${APP_NAME} needs 64-bit Windows 10 or later." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all ; shortcuts for every user

  ReadRegStr $PrevDir HKLM "${UNINST_KEY}" "InstallLocation"
  ReadRegStr $PrevVersion HKLM "${UNINST_KEY}" "DisplayVersion"
  ${If} $PrevDir != ""
    ${VersionCompare} "$PrevVersion" "${VERSION}" $R0 ; 1: the installed one is newer
    ${If} $R0 == 1
      MessageBox MB_YESNO|MB_ICONEXCLAMATION "A newer ${APP_NAME} ($PrevVersion) is installed. An older version cannot open a database that a newer one has upgraded.$\r$\n$\r$\nInstall ${VERSION} anyway?" /SD IDNO IDYES +2
      Abort
    ${EndIf}
    ; keep the service task if the installed copy had it (a /SERVICE= switch still decides)
    !insertmacro SERVICE_TASK_EXISTS $R1
    ${If} $R1 == 0
      !insertmacro SelectSection ${SecService}
    ${EndIf}
  ${EndIf}

  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/SERVICE=" $R1
  ${IfNot} ${Errors}
    ${If} $R1 == 1
      !insertmacro SelectSection ${SecService}
    ${Else}
      !insertmacro UnselectSection ${SecService}
    ${EndIf}
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/SETUP=" $R1
  ${IfNot} ${Errors}
    StrCpy $SetupFile $R1
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/DESKTOP=" $R1
  ${IfNot} ${Errors}
  ${AndIf} $R1 == 0
    !insertmacro UnselectSection ${SecDesktop}
  ${EndIf}
FunctionEnd

Function SkipDirectoryOnUpgrade
  ${If} $PrevDir != ""
    Abort ; upgrade in place: the folder is the one already in use
  ${EndIf}
FunctionEnd

; Upgrade: run the installed copy's uninstaller silently, in place (_?= makes ExecWait
; wait for it), WITHOUT /REMOVEDATA, so the users' data folders are never touched. Then
; clear what is left of the old program files so no stale module survives.
Function RemovePreviousVersion
  ${If} $PrevDir == ""
    Return
  ${EndIf}
  DetailPrint "Removing ${APP_NAME} $PrevVersion from $PrevDir (your data is kept)"
  ${If} ${FileExists} "$PrevDir\${UNINSTALLER}"
    ExecWait `"$PrevDir\${UNINSTALLER}" /S _?=$PrevDir` $0
    DetailPrint "Previous version's uninstaller finished (exit code $0)"
    Delete "$PrevDir\${UNINSTALLER}"
  ${EndIf}
  RMDir /r "$PrevDir\_internal"
  Delete "$PrevDir\${GUI_EXE}"
  Delete "$PrevDir\${CLI_EXE}"
  RMDir /r "$INSTDIR\_internal"
FunctionEnd

Function WriteUninstallKey
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${GUI_EXE},0"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" `"$INSTDIR\${UNINSTALLER}"`
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" `"$INSTDIR\${UNINSTALLER}" /S`
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" "$0"
FunctionEnd

; The installer runs elevated; starting the app through Explorer opens it as the signed-in
; user, so it uses that user's data folder and Credential Manager, not the admin's.
Function LaunchAsCurrentUser
  Exec `"$WINDIR\explorer.exe" "$INSTDIR\${GUI_EXE}"`
FunctionEnd

; ---------------------------------------------------------------- uninstaller functions
Function un.onInit
  SetRegView 64
  SetShellVarContext current
  StrCpy $UserDataDir "$LOCALAPPDATA\${DATA_DIR_NAME}"
  SetShellVarContext all
  StrCpy $RemoveData 0
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/REMOVEDATA" $R1 ; also accepts /REMOVEDATA=1 (and =0 to keep)
  ${IfNot} ${Errors}
  ${AndIf} $R1 != "=0"
    StrCpy $RemoveData 1
  ${EndIf}
FunctionEnd

Function un.DataPageShow
  !insertmacro MUI_HEADER_TEXT "Your data" "Keep or delete ${APP_NAME}'s data on this computer."
  nsDialogs::Create 1018
  Pop $0
  ${If} $0 == error
    Abort
  ${EndIf}
  ${NSD_CreateLabel} 0 0 100% 40u "${APP_NAME} keeps its database (connections, mappings, schedules, sync history), logs and backups in each Windows user's own folder. They are kept unless you tick the box below, so a reinstall picks up where you left off."
  Pop $0
  ${NSD_CreateCheckbox} 0 46u 100% 12u "&Also delete my ${APP_NAME} data ($UserDataDir)"
  Pop $RemoveDataCheckbox
  ${If} $RemoveData == 1
    ${NSD_Check} $RemoveDataCheckbox
  ${EndIf}
  ${NSD_CreateLabel} 0 66u 100% 40u "Only the data of the Windows user running this uninstaller can be deleted here. Passwords and API keys live in Windows Credential Manager (entries for RooftopSync); remove them there if they are no longer needed."
  Pop $0
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $RemoveDataCheckbox $0
  ${If} $0 == ${BST_CHECKED}
    StrCpy $RemoveData 1
  ${Else}
    StrCpy $RemoveData 0
  ${EndIf}
FunctionEnd
