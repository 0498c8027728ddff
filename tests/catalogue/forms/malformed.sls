# INVALID: an element map that is never closed
# A Salt state whose element map is never closed.
Configure dynamic lock:
  lgpo.set:
  - name: MSPassport_UseDynamicLock
  - setting: {MSPassport_UseDynamicLock_Plugins: '<rule schemaVersion="1.0">
  - policy_class: Machine
