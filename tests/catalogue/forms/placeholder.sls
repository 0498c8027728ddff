# INVALID: the rule is still the template's placeholder text
# Dynamic Lock enabled from Salt, with the rule left as the template placeholder.
Dynamic lock from Salt:
  lgpo.set:
  - name: MSPassport_UseDynamicLock
  - setting:
      MSPassport_UseDynamicLock_Plugins: text-placeholder
  - policy_class: Machine
