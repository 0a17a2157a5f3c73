from django.urls import path

from townhall.accounts import views

app_name = "accounts"

urlpatterns = [
    path("u/<str:username>/", views.profile, name="profile"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/profile/", views.profile_edit, name="profile-edit"),
    path("settings/avatar/", views.avatar_upload, name="avatar"),
    path("settings/avatar/remove/", views.avatar_remove, name="avatar-remove"),
    path("settings/tokens/", views.tokens, name="tokens"),
    path("settings/tokens/<id:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("settings/delete/", views.delete_account, name="delete"),
    path("settings/theme/", views.set_theme, name="theme"),
    path("settings/presence/", views.presence_setting, name="presence"),
    path("settings/blocked/", views.blocked_page, name="blocked"),
    path("settings/messages/", views.dm_preference, name="dm-preference"),
    path("u/<str:username>/block/", views.block, name="block"),
    path("u/<str:username>/unblock/", views.unblock, name="unblock"),
]
