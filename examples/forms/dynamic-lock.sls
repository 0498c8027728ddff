# A SaltStack state that enables Dynamic Lock through the LGPO module. Keyed by the ADMX policy
# name and element id (Passport.admx), not the registry value: enabling MSPassport_UseDynamicLock
# writes DynamicLock = 1. Check it with `unlocksim policy check examples/forms/dynamic-lock.sls`.
Configure Dynamic Lock:
  lgpo.set:
    - name: MSPassport_UseDynamicLock
    - setting:
        MSPassport_UseDynamicLock_Plugins: '<rule schemaVersion="1.0"><signal type="bluetooth" scenario="Dynamic Lock" classOfDevice="512" rssiMin="-10" rssiMaxDelta="-10"/></rule>'
    - policy_class: Machine
