##@ Backups: the database's rows to a file, and back

# Backups (mk/backup.mk), of the docker run stack's database or of the Compose stack's:
# mysqldump in the database container, the dump kept in backups/ on this machine (ignored
# by git), and loaded back all or nothing (db/README.md: Backups). On Kubernetes, a
# CronJob does it (k8s/README.md: Backups).
BACKUP_DIR ?= backups
BACKUP     ?=
.PHONY: backup restore
backup: ## Dump the database into backups/ (mysqldump)
	@scripts/backup-db $(PROJECT) $(DB_NAME) $(BACKUP_DIR)

restore: ## Load a dump back: make restore BACKUP=backups/FILE
	@$(if $(BACKUP),:,echo "make: say which dump: make restore BACKUP=FILE ($(or $(lastword $(sort $(wildcard $(BACKUP_DIR)/$(PROJECT)-*.sql))),no dump in $(BACKUP_DIR)/ yet: make backup first))" >&2; exit 1)
	@scripts/restore-db $(PROJECT) $(DB_NAME) $(BACKUP)
