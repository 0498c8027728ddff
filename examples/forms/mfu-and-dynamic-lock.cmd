@echo off
rem Windows Hello for Business unlock policy (unlocksim policy export). Run as administrator.
reg add "HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock" /v GroupA /t REG_SZ /d "{D6886603-9D2F-4EB2-B667-1971041FA96B},{BEC09223-B018-416D-A0AC-523971B639F5},{8AF662BF-65A0-4D0A-A540-A338A999D36F}" /f
reg add "HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock" /v GroupB /t REG_SZ /d "{27FBDB57-B613-4AF2-9D7E-4FA7A66C21AD},{D6886603-9D2F-4EB2-B667-1971041FA96B}" /f
reg add "HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock" /v Plugins /t REG_SZ /d "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Authentication\" classOfDevice=\"512\" rssiMin=\"-10\" rssiMaxDelta=\"-10\"/></rule>" /f
reg add "HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DynamicLock" /v DynamicLock /t REG_DWORD /d 1 /f
reg add "HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DynamicLock" /v Plugins /t REG_SZ /d "<rule schemaVersion=\"1.0\"><signal type=\"bluetooth\" scenario=\"Dynamic Lock\" classOfDevice=\"512\" rssiMin=\"-10\" rssiMaxDelta=\"-10\"/></rule>" /f
