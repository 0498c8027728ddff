# Tighten multi-factor unlock: the PIN alone is the second factor (a partial update).
Set-ItemProperty -Path 'HKLM:\SOFTWARE\Policies\Microsoft\PassportForWork\DeviceUnlock' -Name 'GroupB' -Value '{D6886603-9D2F-4EB2-B667-1971041FA96B}'
