# Your machine (mk/machine.mk): an ARM engine, SELinux, a folder whose path has a space.
# The README's "Your machine" says what each changes, and why.

# mysql:5.7 was only ever built for amd64: where the engine runs arm64 (Apple Silicon, ARM
# Linux), make db runs the multi-arch mysql:8.4 (the Makefile's DB_IMAGE). The engine is
# asked, not `uname -m` (a Rosetta shell says x86_64), each time DB_IMAGE is read.
# ENGINE_ARCH=arm64 pretends.
ENGINE_ARCH ?= $(shell $(if $(filter podman,$(ENGINE)),$(DOCKER) info --format '{{.Host.Arch}}',$(DOCKER) version --format '{{.Server.Arch}}') 2>/dev/null)
ARM_ENGINE   = $(filter aarch64 arm64,$(ENGINE_ARCH))
ifeq ($(origin DB_IMAGE),file)
  db: arm-note
endif
ARM_NOTE = echo '\# DB_IMAGE=mysql:8.4: $(DOCKER) runs $(ENGINE_ARCH), and mysql:5.7 exists for amd64 only (set DB_IMAGE to choose)'
arm-note:
	@$(if $(ARM_ENGINE),$(ARM_NOTE))

# Bind mounts of this folder's files (the database's init.sql; make dev's code):
# - a path with a space: the shell would split $(pwd) in two, so the Makefile quotes it;
# - SELinux enforcing (Fedora, RHEL): a container may read only files labelled for
#   containers, so `z` asks the engine to relabel them (SELINUX_ENFORCING=1|0 pretends).
ifneq ($(word 2,$(CURDIR)),)
  MOUNT_NOTES += echo '\# "$$(pwd)" quoted: the path of this folder has a space, which would split the -v argument in two';
endif
SELINUX_ENFORCING ?= $(shell cat /sys/fs/selinux/enforce 2>/dev/null)
ifeq ($(SELINUX_ENFORCING),1)
  RELABEL := z
  MOUNT_OPTIONS := :$(RELABEL)
  MOUNT_NOTES += echo '\# z: SELinux enforces here, and a container may read a mounted file only once the engine relabels it for containers';
endif
ifneq ($(MOUNT_NOTES),)
  db: mount-notes
endif
mount-notes:
	@$(MOUNT_NOTES)
