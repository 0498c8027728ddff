REM INVALID: a value of the wrong type
reg add "HKLM\SOFTWARE\Policies\Microsoft\PassportForWork\DynamicLock" /v DynamicLock /t REG_SZ /d "1" /f
